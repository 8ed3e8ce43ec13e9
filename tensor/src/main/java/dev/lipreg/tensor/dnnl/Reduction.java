package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.ReduceOp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Reductions as oneDNN reduction primitives. Source and destination keep one rank
 * (reduced axes have size 1 in the destination); neighbouring axes that are all
 * reduced or all kept are merged first, so e.g. a per-channel sum over [N,C,H,W]
 * runs as [N,C,H·W] → [1,C,1].
 */
final class Reduction {
    /** Merged source dims and the matching destination dims. */
    record Plan(long[] src, long[] dst) {
        boolean reducesNothing() {
            return java.util.Arrays.equals(src, dst);
        }
    }

    private record Key(int alg, float p, Dims src, Dims dst) {
    }

    private final DnnlContext ctx;

    Reduction(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Runs {@code op} over a plan; NORM_LINF is not one oneDNN algorithm (its lp-max
     * is max(Σ|x|^p, eps)), so the backend feeds |x| to MAX for it.
     */
    void run(ReduceOp op, Plan plan, MemorySegment src, MemorySegment dst) {
        int alg = switch (op) {
            case SUM -> dnnl_reduction_sum();
            case MEAN -> dnnl_reduction_mean();
            case MAX, NORM_LINF -> dnnl_reduction_max();
            case MIN -> dnnl_reduction_min();
            // lp_sum: (Σ|x|^p + eps)^(1/p) with eps = 0
            case NORM_L1, NORM_L2 -> dnnl_reduction_norm_lp_sum();
        };
        float p = op == ReduceOp.NORM_L2 ? 2f : 1f;
        Prim prim = ctx.cached(new Key(alg, p, Dims.of(plan.src()), Dims.of(plan.dst())), () -> {
            try (Descs d = new Descs()) {
                MemorySegment s = d.plain(plan.src()), t = d.plain(plan.dst());
                MemorySegment pd = d.pd("dnnl_reduction_primitive_desc_create", false, o ->
                        dnnl_reduction_primitive_desc_create(o, ctx.engine, alg, s, t, p, 0f, MemorySegment.NULL));
                return new Prim("reduction " + op + " " + Dims.of(plan.src()) + " -> " + Dims.of(plan.dst()), pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_DST());
            }
        });
        prim.execute(ctx.stream, src, dst);
    }

    /** Merges runs of reduced / kept axes of {@code dims}; size-1 axes are dropped. */
    static Plan plan(int[] dims, boolean[] reduced) {
        List<long[]> axes = new ArrayList<>(); // {size, reduced}
        for (int k = 0; k < dims.length; k++) {
            if (dims[k] == 1) continue;
            long r = reduced[k] ? 1 : 0;
            long[] last = axes.isEmpty() ? null : axes.getLast();
            if (last != null && last[1] == r) last[0] *= dims[k];
            else axes.add(new long[]{dims[k], r});
        }
        if (axes.isEmpty()) axes.add(new long[]{1, 0});
        long[] src = new long[axes.size()], dst = new long[axes.size()];
        for (int i = 0; i < src.length; i++) {
            src[i] = axes.get(i)[0];
            dst[i] = axes.get(i)[1] == 1 ? 1 : src[i];
        }
        return new Plan(src, dst);
    }
}
