package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Batch normalization as oneDNN batch-normalization primitives, with per-channel
 * scale (gamma) and shift (beta). Any [N,C,...] input is viewed as [N,C,R,1], so
 * 2-d inputs and images share one code path. oneDNN's variance is the biased one,
 * as PyTorch normalizes with. An image in a {@link Carried} layout runs inference and
 * the backward in it (the output is in it too): viewing [N,C,H,W] as [N,C,H·W,1] keeps
 * channel blocks and channels-last the same bytes. Its batch statistics are
 * {@link BlockedBatchNorm}'s, exact as PyTorch's double sums (oneDNN's float sums moved
 * a normalized value across ReLU's kink: docs/benchmarks.md).
 */
final class BatchNorm {
    private enum Kind { TRAINING, INFERENCE, BACKWARD }

    private record Key(Kind kind, long n, long c, long r, float eps, int tag) {
    }

    private final DnnlContext ctx;

    BatchNorm(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** y, and the batch mean and biased variance per channel. */
    void training(long n, long c, long r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                  MemorySegment y, MemorySegment mean, MemorySegment variance) {
        Prim p = ctx.cached(new Key(Kind.TRAINING, n, c, r, eps, -1), () -> {
            try (Descs d = new Descs()) {
                MemorySegment pd = forwardPd(d, dnnl_forward_training(), d.plain(n, c, r, 1), eps, scaleShift(), false);
                return new Prim("batch norm training [" + n + "," + c + "," + r + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_SCALE(), DNNL_ARG_SHIFT(), DNNL_ARG_DST(), DNNL_ARG_MEAN(), DNNL_ARG_VARIANCE());
            }
        });
        p.execute(ctx.stream, x, gamma, beta, y, mean, variance);
    }

    void inference(long n, long c, long r, int tag, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                   MemorySegment mean, MemorySegment variance, MemorySegment y) {
        Prim p = ctx.cached(new Key(Kind.INFERENCE, n, c, r, eps, tag), () -> {
            try (Descs d = new Descs()) {
                MemorySegment pd = forwardPd(d, dnnl_forward_inference(), md(d, n, c, r, tag), eps,
                        scaleShift() | dnnl_use_global_stats(), false);
                return new Prim("batch norm inference [" + n + "," + c + "," + r + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_SCALE(), DNNL_ARG_SHIFT(), DNNL_ARG_MEAN(), DNNL_ARG_VARIANCE(), DNNL_ARG_DST());
            }
        });
        p.execute(ctx.stream, x, gamma, beta, mean, variance, y);
    }

    /** gx, gγ and gβ from the forward's input, scale and batch statistics and gy, all in layout {@code tag} (-1: row-major). */
    void backward(long n, long c, long r, int tag, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                  MemorySegment variance, MemorySegment gy, MemorySegment gx, MemorySegment gGamma, MemorySegment gBeta) {
        Prim p = ctx.cached(new Key(Kind.BACKWARD, n, c, r, eps, tag), () -> {
            try (Descs d = new Descs()) {
                MemorySegment md = md(d, n, c, r, tag);
                MemorySegment hint = forwardPd(d, dnnl_forward_training(), md, eps, scaleShift(), true);
                MemorySegment pd = d.pd("dnnl_batch_normalization_backward_primitive_desc_create", false, o ->
                        dnnl_batch_normalization_backward_primitive_desc_create(o, ctx.engine, dnnl_backward(), md, md, md, eps,
                                scaleShift(), hint, MemorySegment.NULL));
                return new Prim("batch norm backward [" + n + "," + c + "," + r + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_SCALE(), DNNL_ARG_MEAN(), DNNL_ARG_VARIANCE(), DNNL_ARG_DIFF_DST(),
                        DNNL_ARG_DIFF_SRC(), DNNL_ARG_DIFF_SCALE(), DNNL_ARG_DIFF_SHIFT());
            }
        });
        p.execute(ctx.stream, x, gamma, mean, variance, gy, gx, gGamma, gBeta);
    }

    /** [N,C,R,1] row-major, or in a {@link Carried} layout (there [N,C,H·W,1] is the same bytes as [N,C,H,W]). */
    private static MemorySegment md(Descs d, long n, long c, long r, int tag) {
        return tag < 0 ? d.plain(n, c, r, 1) : d.tagged(tag, n, c, r, 1);
    }

    private MemorySegment forwardPd(Descs d, int prop, MemorySegment md, float eps, int flags, boolean temporary) {
        return d.pd("dnnl_batch_normalization_forward_primitive_desc_create", temporary, o ->
                dnnl_batch_normalization_forward_primitive_desc_create(o, ctx.engine, prop, md, md, eps, flags, MemorySegment.NULL));
    }

    private static int scaleShift() {
        return dnnl_use_scale() | dnnl_use_shift();
    }
}
