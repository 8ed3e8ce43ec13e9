package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Dnnl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * One CPU engine, one in-order stream and the primitive cache built on them. Owned
 * by one {@link DnnlBackend}; callers hold the backend's lock.
 */
final class DnnlContext implements AutoCloseable {
    /** Enough for every shape of a few models; an LRU bound keeps odd shapes from piling up. */
    static final int CACHE_CAPACITY = 1024;

    final MemorySegment engine;
    final MemorySegment stream;
    final PrimitiveCache cache = new PrimitiveCache(CACHE_CAPACITY);
    private boolean closed;

    DnnlContext() {
        Dnnl.ensureLoaded();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(C_POINTER);
            Dnnl.check(dnnl_engine_create(out, dnnl_cpu(), 0), "dnnl_engine_create");
            engine = out.get(C_POINTER, 0);
            int status = dnnl_stream_create(out, engine, dnnl_stream_default_flags());
            if (status != 0) {
                dnnl_engine_destroy(engine);
                Dnnl.check(status, "dnnl_stream_create");
            }
            stream = out.get(C_POINTER, 0);
        }
    }

    /** A built primitive from the cache, or a new one. */
    <T extends AutoCloseable> T cached(Object key, java.util.function.Supplier<T> create) {
        ensureOpen();
        return cache.get(key, create);
    }

    void ensureOpen() {
        if (closed) throw new IllegalStateException("dnnl backend is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        cache.close();
        Dnnl.check(dnnl_stream_destroy(stream), "dnnl_stream_destroy");
        Dnnl.check(dnnl_engine_destroy(engine), "dnnl_engine_destroy");
    }
}
