package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Shape;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Broadcasting binary ops as oneDNN binary primitives. oneDNN broadcasts size-1
 * dimensions of either source when both have the destination's rank, so numpy
 * broadcasting only needs the shapes padded to one rank. Runs of axes that
 * broadcast alike are merged first ([128,32,28,28] + [32,1,1] becomes
 * [128,32,784] + [1,32,1]): fewer distinct primitives, simpler kernels.
 */
final class Binary {
    private record Key(int alg, Dims a, Dims b, Dims out) {
    }

    /** Source and destination dims of one call, after merging axes. */
    record Plan(long[] a, long[] b, long[] out) {
    }

    private final DnnlContext ctx;

    Binary(DnnlContext ctx) {
        this.ctx = ctx;
    }

    static int algorithm(BinaryOp op) {
        return switch (op) {
            case ADD -> dnnl_binary_add();
            case SUB -> dnnl_binary_sub();
            case MUL -> dnnl_binary_mul();
            case DIV -> dnnl_binary_div();
            case MAX -> dnnl_binary_max();
            case MIN -> dnnl_binary_min();
            case GT -> dnnl_binary_gt();
            case GE -> dnnl_binary_ge();
            case LT -> dnnl_binary_lt();
            case LE -> dnnl_binary_le();
            case EQ -> dnnl_binary_eq();
            case NE -> dnnl_binary_ne();
        };
    }

    /** The op with its operands swapped (b op' a == a op b), or null when there is none. */
    static BinaryOp mirrored(BinaryOp op) {
        return switch (op) {
            case ADD, MUL, MAX, MIN, EQ, NE -> op;
            case GT -> BinaryOp.LT;
            case LT -> BinaryOp.GT;
            case GE -> BinaryOp.LE;
            case LE -> BinaryOp.GE;
            case SUB, DIV -> null;
        };
    }

    /** out = a op b with numpy broadcasting; {@code out} has shape broadcast(a, b). */
    void run(BinaryOp op, Shape a, MemorySegment ad, Shape b, MemorySegment bd, Shape out, MemorySegment od) {
        BinaryOp swapped = mirrored(op);
        // oneDNN's fast kernels want the full-size operand first
        if (swapped != null && b.size() > a.size()) {
            run(swapped, b, bd, a, ad, out, od);
            return;
        }
        Plan p = plan(a, b, out);
        int alg = algorithm(op);
        Prim prim = ctx.cached(new Key(alg, Dims.of(p.a()), Dims.of(p.b()), Dims.of(p.out())), () -> {
            try (Descs d = new Descs()) {
                MemorySegment src0 = d.plain(p.a()), src1 = d.plain(p.b()), dst = d.plain(p.out());
                MemorySegment pd = d.pd("dnnl_binary_primitive_desc_create", false, o ->
                        dnnl_binary_primitive_desc_create(o, ctx.engine, alg, src0, src1, dst, MemorySegment.NULL));
                return new Prim("binary " + op + " " + Dims.of(p.a()) + " " + Dims.of(p.b()), pd, ctx.engine,
                        DNNL_ARG_SRC_0(), DNNL_ARG_SRC_1(), DNNL_ARG_DST());
            }
        });
        prim.execute(ctx.stream, ad, bd, od);
    }

    /**
     * Pads both shapes to the output's rank, drops axes of size 1 everywhere, and
     * merges neighbouring axes in which each operand is either full or broadcast alike.
     */
    static Plan plan(Shape a, Shape b, Shape out) {
        int r = out.rank();
        List<long[]> axes = new ArrayList<>(); // {outDim, aFull, bFull}
        for (int k = 0; k < r; k++) {
            int o = out.dim(k);
            if (o == 1) continue;
            long aFull = dimAt(a, k, r) == o ? 1 : 0, bFull = dimAt(b, k, r) == o ? 1 : 0;
            long[] last = axes.isEmpty() ? null : axes.getLast();
            if (last != null && last[1] == aFull && last[2] == bFull) {
                last[0] *= o;
            } else {
                axes.add(new long[]{o, aFull, bFull});
            }
        }
        if (axes.isEmpty()) axes.add(new long[]{1, 1, 1});
        int n = axes.size();
        long[] pa = new long[n], pb = new long[n], po = new long[n];
        for (int i = 0; i < n; i++) {
            long[] ax = axes.get(i);
            po[i] = ax[0];
            pa[i] = ax[1] == 1 ? ax[0] : 1;
            pb[i] = ax[2] == 1 ? ax[0] : 1;
        }
        return new Plan(pa, pb, po);
    }

    private static int dimAt(Shape s, int k, int rank) {
        int i = k - (rank - s.rank());
        return i < 0 ? 1 : s.dim(i);
    }
}
