package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Dnnl;
import dev.lipreg.bindings.dnnl.gen.dnnl_exec_arg_t;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * A created oneDNN primitive, ready to run: its descriptor, one memory object per
 * execution argument (made once from the descriptor's own memory descs) and the
 * argument array. A call only re-points the memory objects at the caller's buffers
 * with {@code dnnl_memory_set_data_handle} and executes, so running a cached
 * primitive allocates nothing. Not thread-safe: the backend serializes calls.
 */
final class Prim implements AutoCloseable {
    private final String name;
    private final MemorySegment pd;
    private MemorySegment primitive = MemorySegment.NULL;
    private final int[] argIds;
    private final MemorySegment[] memories;
    private final long[] bytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment args;
    private boolean closed;

    /**
     * Takes ownership of {@code pd}; {@code argIds} ({@code DNNL_ARG_*}) fix the order
     * of the buffers later passed to {@link #execute}.
     */
    Prim(String name, MemorySegment pd, MemorySegment engine, int... argIds) {
        this.name = name;
        this.pd = pd;
        this.argIds = argIds.clone();
        this.memories = new MemorySegment[argIds.length];
        this.bytes = new long[argIds.length];
        this.args = dnnl_exec_arg_t.allocateArray(argIds.length, arena);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(C_POINTER);
            Dnnl.check(dnnl_primitive_create(out, pd), "dnnl_primitive_create (" + name + ")");
            primitive = out.get(C_POINTER, 0);
            for (int i = 0; i < argIds.length; i++) {
                MemorySegment md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md(), argIds[i]);
                bytes[i] = dnnl_memory_desc_get_size(md);
                // a NULL handle (DNNL_MEMORY_NONE): buffers are attached per call
                Dnnl.check(dnnl_memory_create(out, md, engine, MemorySegment.NULL), "dnnl_memory_create (" + name + ")");
                memories[i] = out.get(C_POINTER, 0);
                MemorySegment a = dnnl_exec_arg_t.asSlice(args, i);
                dnnl_exec_arg_t.arg(a, argIds[i]);
                dnnl_exec_arg_t.memory(a, memories[i]);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes the primitive expects for argument {@code argId} (blocked layouts may pad). */
    long bytes(int argId) {
        for (int i = 0; i < argIds.length; i++) if (argIds[i] == argId) return bytes[i];
        throw new IllegalArgumentException(name + " has no argument " + argId);
    }

    /** The memory desc the primitive chose for {@code argId}; owned by the primitive. */
    MemorySegment md(int argId) {
        return dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md(), argId);
    }

    /** Runs on {@code stream} with one buffer per argument, in constructor order, and waits. */
    void execute(MemorySegment stream, MemorySegment... buffers) {
        if (buffers.length != memories.length) {
            throw new IllegalArgumentException(name + ": " + buffers.length + " buffers for " + memories.length + " arguments");
        }
        for (int i = 0; i < buffers.length; i++) {
            int status = dnnl_memory_set_data_handle(memories[i], buffers[i]);
            if (status != 0) Dnnl.check(status, "dnnl_memory_set_data_handle (" + name + ")");
        }
        int status = dnnl_primitive_execute(primitive, stream, memories.length, args);
        if (status != 0) Dnnl.check(status, "dnnl_primitive_execute (" + name + ")");
        status = dnnl_stream_wait(stream);
        if (status != 0) Dnnl.check(status, "dnnl_stream_wait (" + name + ")");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (MemorySegment m : memories) if (m != null) dnnl_memory_destroy(m);
        if (!primitive.equals(MemorySegment.NULL)) dnnl_primitive_destroy(primitive);
        dnnl_primitive_desc_destroy(pd);
        arena.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
