package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * A primitive that chose its own memory layouts (format_tag_any), run over tensors:
 * an image argument already in the layout the primitive chose ({@link Carried}) goes
 * in as it is, and an image output the primitive writes in a carried layout stays
 * in it; every other operand whose chosen layout differs from row-major gets a
 * cached reorder into (inputs) or out of (the output) a scratch buffer. Scratch
 * buffers live in a scope opened for the call, so their memory returns to the pool
 * at once instead of accumulating in the caller's step scope.
 */
final class Relayout implements AutoCloseable {
    private final Prim main;
    private final int[] argIds;
    /** Per argument of {@code main}: the reorder to or from plain, or null when plain already. */
    private final Prim[] reorders;
    private final long[] scratchBytes;
    /** Per argument: the {@link Carried} tag the primitive chose for an image argument, or -1. */
    private final int[] carried;
    private final long[][] images;
    /** Reorders into an input's layout from the other carried layouts, by (argument, tag). */
    private final Map<List<Integer>, Prim> fromCarried = new HashMap<>();

    /**
     * @param argIds  the arguments of {@code pd}, the output last
     * @param plain   per argument, the plain md the caller's buffer has (null: pass through, e.g. bias)
     * @param images  per argument, the dims of an image argument whose layout may be carried, else null
     */
    Relayout(String name, MemorySegment pd, DnnlContext ctx, int[] argIds, MemorySegment[] plain, long[][] images) {
        this.main = new Prim(name, pd, ctx.engine, argIds);
        this.argIds = argIds.clone();
        this.reorders = new Prim[argIds.length];
        this.scratchBytes = new long[argIds.length];
        this.carried = new int[argIds.length];
        this.images = images.clone();
        try (Descs d = new Descs()) {
            int out = argIds.length - 1;
            for (int i = 0; i < argIds.length; i++) {
                carried[i] = -1;
                if (plain[i] == null) continue;
                MemorySegment chosen = main.md(argIds[i]);
                if (dnnl_memory_desc_equal(chosen, plain[i]) != 0 || Descs.sameMemory(chosen, plain[i])) continue;
                MemorySegment from = i == out ? chosen : plain[i], to = i == out ? plain[i] : chosen;
                reorders[i] = reorder(name + " reorder " + i, ctx, from, to);
                scratchBytes[i] = main.bytes(argIds[i]);
                if (images[i] != null) carried[i] = Carried.tagOf(d, chosen, images[i]);
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

    /** Runs over one tensor per argument (the output last, a fresh tensor; null for an absent bias). */
    void run(DnnlContext ctx, DnnlBackend owner, Tensor... args) {
        run(ctx, owner, null, args);
    }

    /**
     * As {@link #run(DnnlContext, DnnlBackend, Tensor...)}, except that where {@code given}
     * has a buffer (it may be null) that input is already in the primitive's layout,
     * as {@link #prepare} leaves it.
     */
    void run(DnnlContext ctx, DnnlBackend owner, MemorySegment[] given, Tensor... args) {
        int out = args.length - 1;
        MemorySegment[] actual = new MemorySegment[args.length];
        try (Scope scratch = Scope.open()) {
            for (int i = 0; i < out; i++) actual[i] = given != null && given[i] != null ? given[i] : prepare(ctx, owner, i, args[i], scratch);
            boolean carry = reorders[out] != null && carried[out] >= 0;
            actual[out] = reorders[out] == null ? args[out].data() : carry ? args[out].storage() : scratch.allocate(scratchBytes[out]);
            main.execute(ctx.stream, actual);
            if (carry) args[out].setStorageLayout(new Carried(owner, carried[out]));
            else if (reorders[out] != null) reorders[out].execute(ctx.stream, actual[out], args[out].data());
        }
    }

    /** Whether input {@code i} here and input {@code j} of {@code other} take the same layout. */
    boolean sameLayout(int i, Relayout other, int j) {
        return dnnl_memory_desc_equal(main.md(argIds[i]), other.main.md(other.argIds[j])) != 0;
    }

    /**
     * Input {@code i}'s tensor in the primitive's layout, {@code t} left as it is: its
     * memory as it is when it is in that layout already, else reordered into
     * {@code scratch} from row-major or from the carried layout it is in.
     */
    MemorySegment prepare(DnnlContext ctx, DnnlBackend owner, int i, Tensor t, Scope scratch) {
        if (reorders[i] == null) return t.data(); // the primitive reads row-major
        int from = images[i] != null ? Carried.layoutTag(t, owner) : CarriedReorders.ROW_MAJOR;
        if (from != CarriedReorders.ROW_MAJOR && from == carried[i]) return t.storage();
        MemorySegment chosen = scratch.allocate(scratchBytes[i]);
        if (from == CarriedReorders.ROW_MAJOR) reorders[i].execute(ctx.stream, t.data(), chosen);
        else fromCarried(ctx, i, from).execute(ctx.stream, t.storage(), chosen);
        return chosen;
    }

    /** The reorder of input {@code i} from carried layout {@code tag} to the primitive's, made on first use. */
    private Prim fromCarried(DnnlContext ctx, int i, int tag) {
        return fromCarried.computeIfAbsent(List.of(i, tag), k -> {
            try (Descs d = new Descs()) {
                return reorder(main + " reorder " + i + " from tag " + tag, ctx, d.tagged(tag, images[i]), main.md(argIds[i]));
            }
        });
    }

    @Override
    public void close() {
        for (Prim r : reorders) if (r != null) r.close();
        for (Prim r : fromCarried.values()) r.close();
        main.close();
    }
}
