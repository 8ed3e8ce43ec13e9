package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Softmax and log-softmax (forward, and log-softmax backward) as oneDNN softmax
 * primitives. Any tensor is viewed as [outer, len, inner] with the softmax axis in
 * the middle, so shapes that agree there share a primitive.
 */
final class Softmax {
    private record Key(boolean backward, boolean log, long outer, long len, long inner) {
    }

    private final DnnlContext ctx;

    Softmax(DnnlContext ctx) {
        this.ctx = ctx;
    }

    void forward(boolean log, long outer, long len, long inner, MemorySegment x, MemorySegment y) {
        Prim p = ctx.cached(new Key(false, log, outer, len, inner), () -> {
            try (Descs d = new Descs()) {
                MemorySegment md = d.plain(outer, len, inner);
                MemorySegment pd = d.pd("dnnl_softmax_forward_primitive_desc_create", false, o ->
                        dnnl_softmax_forward_primitive_desc_create(o, ctx.engine, dnnl_forward_inference(), algorithm(log), md, md, 1,
                                MemorySegment.NULL));
                return new Prim((log ? "log" : "") + "softmax [" + outer + "," + len + "," + inner + "]", pd, ctx.engine,
                        DNNL_ARG_SRC(), DNNL_ARG_DST());
            }
        });
        p.execute(ctx.stream, x, y);
    }

    /** gx = gy - exp(y) · Σ gy along the axis, for y = logSoftmax(x). */
    void logBackward(long outer, long len, long inner, MemorySegment gy, MemorySegment y, MemorySegment gx) {
        Prim p = ctx.cached(new Key(true, true, outer, len, inner), () -> {
            try (Descs d = new Descs()) {
                MemorySegment md = d.plain(outer, len, inner);
                MemorySegment hint = d.pd("dnnl_softmax_forward_primitive_desc_create", true, o ->
                        dnnl_softmax_forward_primitive_desc_create(o, ctx.engine, dnnl_forward_training(), algorithm(true), md, md, 1,
                                MemorySegment.NULL));
                MemorySegment pd = d.pd("dnnl_softmax_backward_primitive_desc_create", false, o ->
                        dnnl_softmax_backward_primitive_desc_create(o, ctx.engine, algorithm(true), md, md, md, 1, hint,
                                MemorySegment.NULL));
                return new Prim("logsoftmax backward [" + outer + "," + len + "," + inner + "]", pd, ctx.engine,
                        DNNL_ARG_DIFF_DST(), DNNL_ARG_DST(), DNNL_ARG_DIFF_SRC());
            }
        });
        p.execute(ctx.stream, gy, y, gx);
    }

    private static int algorithm(boolean log) {
        return log ? dnnl_softmax_log() : dnnl_softmax_accurate();
    }
}
