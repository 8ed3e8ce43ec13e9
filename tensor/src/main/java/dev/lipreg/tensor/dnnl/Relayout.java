package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Scope;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * A primitive that chose its own memory layouts (format_tag_any), wrapped so callers
 * still pass plain row-major buffers: each operand whose chosen layout differs from
 * plain gets a cached reorder into (inputs) or out of (the output) a scratch buffer.
 * Scratch buffers live in a scope opened for the call, so their memory returns to
 * the pool at once instead of accumulating in the caller's step scope.
 */
final class Relayout implements AutoCloseable {
    private final Prim main;
    private final int[] argIds;
    /** Per argument of {@code main}: the reorder to or from plain, or null when plain already. */
    private final Prim[] reorders;
    private final long[] scratchBytes;

    /**
     * @param argIds  the arguments of {@code pd}, the output last
     * @param plain   per argument, the plain md the caller's buffer has (null: pass through, e.g. bias)
     */
    Relayout(String name, MemorySegment pd, DnnlContext ctx, int[] argIds, MemorySegment[] plain) {
        this.main = new Prim(name, pd, ctx.engine, argIds);
        this.argIds = argIds.clone();
        this.reorders = new Prim[argIds.length];
        this.scratchBytes = new long[argIds.length];
        try {
            int out = argIds.length - 1;
            for (int i = 0; i < argIds.length; i++) {
                if (plain[i] == null) continue;
                MemorySegment chosen = main.md(argIds[i]);
                if (dnnl_memory_desc_equal(chosen, plain[i]) != 0 || Descs.sameMemory(chosen, plain[i])) continue;
                MemorySegment from = i == out ? chosen : plain[i], to = i == out ? plain[i] : chosen;
                reorders[i] = reorder(name + " reorder " + i, ctx, from, to);
                scratchBytes[i] = main.bytes(argIds[i]);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static Prim reorder(String name, DnnlContext ctx, MemorySegment from, MemorySegment to) {
        try (Descs d = new Descs()) {
            MemorySegment pd = d.pd("dnnl_reorder_primitive_desc_create", false, o ->
                    dnnl_reorder_primitive_desc_create(o, from, ctx.engine, to, ctx.engine, MemorySegment.NULL));
            return new Prim(name, pd, ctx.engine, DNNL_ARG_FROM(), DNNL_ARG_TO());
        }
    }

    /** Runs with plain buffers, one per argument (the output last). */
    void execute(DnnlContext ctx, MemorySegment... buffers) {
        execute(ctx, -1, buffers);
    }

    /**
     * As {@link #execute(DnnlContext, MemorySegment...)}, except that input {@code ready}
     * (or none, if negative) is already in the layout the primitive chose, as
     * {@link #prepare} leaves it.
     */
    void execute(DnnlContext ctx, int ready, MemorySegment... buffers) {
        int out = buffers.length - 1;
        MemorySegment[] actual = buffers.clone();
        try (Scope scratch = Scope.open()) {
            for (int i = 0; i < buffers.length; i++) {
                if (reorders[i] == null || i == ready) continue;
                actual[i] = scratch.allocate(scratchBytes[i]);
                if (i != out) reorders[i].execute(ctx.stream, buffers[i], actual[i]);
            }
            main.execute(ctx.stream, actual);
            if (reorders[out] != null) reorders[out].execute(ctx.stream, actual[out], buffers[out]);
        }
    }

    /** Whether input {@code i} here and input {@code j} of {@code other} take the same layout. */
    boolean sameLayout(int i, Relayout other, int j) {
        return dnnl_memory_desc_equal(main.md(argIds[i]), other.main.md(other.argIds[j])) != 0;
    }

    /** Input {@code i}'s plain buffer in the primitive's layout: reordered into {@code scratch}, or itself. */
    MemorySegment prepare(DnnlContext ctx, int i, MemorySegment plain, Scope scratch) {
        if (reorders[i] == null) return plain;
        MemorySegment chosen = scratch.allocate(scratchBytes[i]);
        reorders[i].execute(ctx.stream, plain, chosen);
        return chosen;
    }

    @Override
    public void close() {
        for (Prim r : reorders) if (r != null) r.close();
        main.close();
    }
}
