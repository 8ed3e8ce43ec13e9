package dev.lipreg.bindings;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/** Status-code to enumerator-name tables, read from the constants of the generated header classes. */
final class StatusNames {

    private StatusNames() {}

    /**
     * All public static no-argument {@code int} methods of {@code header} (and its generated
     * superclasses) whose name passes {@code isEnumerator}, by value. jextract emits each enum
     * constant as such a method returning a Java constant, so no native code runs; the predicate
     * must not admit a no-argument native function. When aliases share a value the longer, more
     * specific name wins (cuDNN 9: {@code CUDNN_STATUS_ALLOC_FAILED} aliases
     * {@code CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED}).
     */
    static Map<Integer, String> fromConstants(Class<?> header, Predicate<String> isEnumerator) {
        Map<Integer, String> names = new HashMap<>();
        for (Method m : header.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                    || m.getReturnType() != int.class || !isEnumerator.test(m.getName())) {
                continue;
            }
            try {
                int value = (int) m.invoke(null);
                names.merge(value, m.getName(), (a, b) -> a.length() != b.length()
                        ? (a.length() > b.length() ? a : b) : (a.compareTo(b) <= 0 ? a : b));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read generated constant " + m, e);
            }
        }
        return Map.copyOf(names);
    }

    /** The name of {@code status}, or {@code type(status)} for a value the header does not define. */
    static String name(Map<Integer, String> table, int status, String type) {
        String name = table.get(status);
        return name != null ? name : type + "(" + status + ")";
    }
}
