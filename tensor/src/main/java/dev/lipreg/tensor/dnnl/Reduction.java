package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Reductions as oneDNN reduction primitives. Source and destination keep one rank
 * (reduced axes have size 1 in the destination); neighbouring axes that are all
 * reduced or all kept are merged first, so e.g. a per-channel sum over [N,C,H,W]
 * runs as [N,C,H·W] → [1,C,1].
 *
 * <p>oneDNN's fast (jit) reduction only reduces trailing axes; anything else falls
 * to its reference kernel, which is ~100x slower (the conv bias gradient
 * [128,32,784] → [1,32,1] took 22 ms). So a plan reducing the innermost run and
 * more is staged: the innermost run first ([128·32,784] → [128·32,1], jit), then
 * the rest on the small partial result. The lp-norm algorithms have no jit kernel
 * either: ℓ1 runs as |x| then sum, ℓ2 as x² then sum then √. Sums and means
 * over one axis of a 2-d plan run as matrix-vector products with ones (see {@code sum}).
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
    private final Eltwise eltwise;
    private final Matmul matmul;

    Reduction(DnnlContext ctx, Eltwise eltwise, Matmul matmul) {
        this.ctx = ctx;
        this.eltwise = eltwise;
        this.matmul = matmul;
    }

    /**
     * Runs {@code op} over a plan; NORM_LINF is not one oneDNN algorithm (its lp-max
     * is max(Σ|x|^p, eps)), so the backend feeds |x| to MAX for it. Temporaries
     * come from the current scope.
     */
    void run(ReduceOp op, Plan plan, MemorySegment src, MemorySegment dst) {
        long[] s = plan.src(), d = plan.dst();
        int r = s.length;
        int reducedRuns = 0;
        for (int i = 0; i < r; i++) if (d[i] != s[i]) reducedRuns++;
        if (reducedRuns > 1 && d[r - 1] != s[r - 1]) {
            long outer = 1;
            for (int i = 0; i < r - 1; i++) outer *= s[i];
            MemorySegment partial = Scope.current().allocate(outer * Float.BYTES);
            single(op, new Plan(new long[]{outer, s[r - 1]}, new long[]{outer, 1}), src, partial);
            run(combining(op), new Plan(Arrays.copyOf(s, r - 1), Arrays.copyOf(d, r - 1)), partial, dst);
        } else {
            single(op, plan, src, dst);
        }
    }

    /** The op that reduces partial results of {@code op} to the same value. */
    private static ReduceOp combining(ReduceOp op) {
        return switch (op) {
            case NORM_L1 -> ReduceOp.SUM;  // partial ℓ1 norms are >= 0
            case NORM_LINF -> ReduceOp.MAX;
            default -> op;                 // sums of sums, means of equal-count means, max of maxima, ℓ2 of ℓ2s
        };
    }

    private void single(ReduceOp op, Plan plan, MemorySegment src, MemorySegment dst) {
        switch (op) {
            case NORM_L1, NORM_L2 -> {
                long n = 1, m = 1;
                for (long v : plan.src()) n *= v;
                for (long v : plan.dst()) m *= v;
                MemorySegment t = Scope.current().allocate(n * Float.BYTES);
                eltwise.forward(Eltwise.Fn.of(op == ReduceOp.NORM_L1 ? UnaryOp.ABS : UnaryOp.SQUARE, 0), n, src, t);
                sum(plan, t, dst);
                if (op == ReduceOp.NORM_L2) eltwise.forward(Eltwise.Fn.of(UnaryOp.SQRT, 0), m, dst, dst);
            }
            case SUM -> sum(plan, src, dst);
            case MEAN -> {
                long n = 1, m = 1;
                for (long v : plan.src()) n *= v;
                for (long v : plan.dst()) m *= v;
                sum(plan, src, dst);
                eltwise.forward(Eltwise.Fn.linear(1.0 / (n / m), 0), m, dst, dst);
            }
            default -> primitive(op, plan, src, dst);
        }
    }

    /** Longest run of ones a sum-as-matmul fills per call. */
    static final long MAX_ONES = 1 << 16;

    /**
     * Sums over one axis of a 2-d plan as a matrix-vector product with ones:
     * [A,B] → [A,1] is X·1, [A,B] → [1,B] is 1ᵀ·X (and [A] → [1] is 1ᵀ·x).
     * oneDNN's matmul streams these at memory speed, where its reduction kernel is
     * 3-9x slower on such shapes (conv bias gradient [8192,196] → [8192,1]: 1.6 ms
     * against 0.16 on two threads). Other plans run the reduction primitive.
     */
    private void sum(Plan plan, MemorySegment src, MemorySegment dst) {
        long[] s = plan.src(), d = plan.dst();
        boolean trailing = s.length == 2 && d[0] == s[0] && d[1] == 1 && s[1] > 1;
        boolean leading = s.length == 2 && d[0] == 1 && d[1] == s[1] && s[0] > 1 || s.length == 1 && d[0] == 1 && s[0] > 1;
        long along = trailing ? s[1] : s[0];
        if (!(trailing || leading) || along > MAX_ONES) {
            primitive(ReduceOp.SUM, plan, src, dst);
            return;
        }
        MemorySegment ones = Scope.current().allocate(along * Float.BYTES);
        HostLoops.fill(ones, dev.lipreg.tensor.DType.FLOAT32, along, 1);
        if (trailing) matmul.run(s[0], s[1], 1, false, false, src, ones, null, dst);
        else matmul.run(1, s[0], s.length == 2 ? s[1] : 1, false, false, ones, src, null, dst);
    }

    private void primitive(ReduceOp op, Plan plan, MemorySegment src, MemorySegment dst) {
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
