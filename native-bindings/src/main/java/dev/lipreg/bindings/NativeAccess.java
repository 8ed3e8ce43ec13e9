package dev.lipreg.bindings;

import java.lang.foreign.MemorySegment;

/**
 * Whether LipReg may call native code: {@link #ENABLED} when {@code --enable-native-access} covers its
 * module (ALL-UNNAMED on the class path), else {@link #permitted()} asks the JVM itself.
 *
 * <p>{@code ENABLED} is read once, before any generated class runs: in the JDK's default "warn" mode a
 * module's first restricted call (the generated header classes make one in their static initializers)
 * prints a warning and then marks the module as enabled, so a later {@code isNativeAccessEnabled()}
 * would always say yes. Every class here whose static initializer touches generated code reads this first.
 */
final class NativeAccess {

    static final boolean ENABLED = NativeAccess.class.getModule().isNativeAccessEnabled();

    private NativeAccess() {}

    /**
     * True when restricted calls work in this JVM: with the flag, or without it in the JDK's default
     * mode (JDK 22–25 permit them and print one warning naming the flag); false only under
     * {@code --illegal-native-access=deny}. Without the flag this makes the first restricted call,
     * so the JVM's own warning reaches the user on standard error.
     */
    static boolean permitted() {
        return ENABLED || Probe.PERMITTED;
    }

    private static final class Probe {
        static final boolean PERMITTED = probe();

        private static boolean probe() {
            try {
                MemorySegment.NULL.reinterpret(1); // a restricted method without side effects
                return true;
            } catch (IllegalCallerException e) {
                return false;
            }
        }
    }
}
