package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Batch normalization as oneDNN batch-normalization primitives, with per-channel
 * scale (gamma) and shift (beta). Any [N,C,...] input is viewed as [N,C,R,1], so
 * 2-d inputs and images share one code path. oneDNN's variance is the biased one,
 * as PyTorch normalizes with.
 */
final class BatchNorm {
    private enum Kind { TRAINING, INFERENCE }

    private record Key(Kind kind, long n, long c, long r, float eps) {
    }

    private final DnnlContext ctx;

    BatchNorm(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** y, and the batch mean and biased variance per channel. */
    void training(long n, long c, long r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                  MemorySegment y, MemorySegment mean, MemorySegment variance) {
        Prim p = ctx.cached(new Key(Kind.TRAINING, n, c, r, eps), () -> {
            try (Descs d = new Descs()) {
                MemorySegment pd = forwardPd(d, dnnl_forward_training(), d.plain(n, c, r, 1), eps, scaleShift(), false);
                return new Prim("batch norm training [" + n + "," + c + "," + r + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_SCALE(), DNNL_ARG_SHIFT(), DNNL_ARG_DST(), DNNL_ARG_MEAN(), DNNL_ARG_VARIANCE());
            }
        });
        p.execute(ctx.stream, x, gamma, beta, y, mean, variance);
    }

    void inference(long n, long c, long r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                   MemorySegment mean, MemorySegment variance, MemorySegment y) {
        Prim p = ctx.cached(new Key(Kind.INFERENCE, n, c, r, eps), () -> {
            try (Descs d = new Descs()) {
                MemorySegment pd = forwardPd(d, dnnl_forward_inference(), d.plain(n, c, r, 1), eps,
                        scaleShift() | dnnl_use_global_stats(), false);
                return new Prim("batch norm inference [" + n + "," + c + "," + r + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_SCALE(), DNNL_ARG_SHIFT(), DNNL_ARG_MEAN(), DNNL_ARG_VARIANCE(), DNNL_ARG_DST());
            }
        });
        p.execute(ctx.stream, x, gamma, beta, mean, variance, y);
    }

    private MemorySegment forwardPd(Descs d, int prop, MemorySegment md, float eps, int flags, boolean temporary) {
        return d.pd("dnnl_batch_normalization_forward_primitive_desc_create", temporary, o ->
                dnnl_batch_normalization_forward_primitive_desc_create(o, ctx.engine, prop, md, md, eps, flags, MemorySegment.NULL));
    }

    private static int scaleShift() {
        return dnnl_use_scale() | dnnl_use_shift();
    }
}
