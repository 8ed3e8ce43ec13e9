package dev.lipreg.tensor.dnnl;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Built primitives by key (a record of op, shapes and attributes), least recently
 * used first out. Creating a primitive descriptor costs far more than running a
 * small primitive, so each (op, shapes, attributes) is built once. Evicted and
 * cleared entries are destroyed at once. Not thread-safe: used under the backend's lock.
 */
final class PrimitiveCache implements AutoCloseable {
    private final int capacity;
    private final LinkedHashMap<Object, AutoCloseable> entries = new LinkedHashMap<>(64, 0.75f, true);

    PrimitiveCache(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("cache capacity must be >= 1, got " + capacity);
        this.capacity = capacity;
    }

    /** The entry for {@code key}, built by {@code create} on first use. */
    @SuppressWarnings("unchecked")
    <T extends AutoCloseable> T get(Object key, Supplier<T> create) {
        AutoCloseable e = entries.get(key);
        if (e != null) return (T) e;
        T built = create.get();
        entries.put(key, built);
        if (entries.size() > capacity) {
            Iterator<Map.Entry<Object, AutoCloseable>> eldest = entries.entrySet().iterator();
            AutoCloseable evicted = eldest.next().getValue();
            eldest.remove();
            destroy(evicted);
        }
        return built;
    }

    int size() {
        return entries.size();
    }

    /** Destroys every entry. */
    void clear() {
        for (AutoCloseable e : entries.values()) destroy(e);
        entries.clear();
    }

    @Override
    public void close() {
        clear();
    }

    private static void destroy(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("destroying a cached oneDNN primitive failed", e);
        }
    }
}
