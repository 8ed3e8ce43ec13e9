package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Max and average pooling as oneDNN pooling primitives on plain NCHW. Max pooling
 * here yields values only: the argmax positions must follow PyTorch (first maximum,
 * row-major) and oneDNN's workspace is implementation-defined, so {@link HostLoops}
 * finds them. Average pooling backward needs no workspace.
 */
final class Pool {
    private record Key(boolean backward, int alg, Dims x, Pool2dSpec spec) {
    }

    private final DnnlContext ctx;

    Pool(DnnlContext ctx) {
        this.ctx = ctx;
    }

    void maxForward(Shape x, Pool2dSpec spec, Shape y, MemorySegment xd, MemorySegment yd) {
        forward(dnnl_pooling_max(), x, spec, y, xd, yd);
    }

    void avgForward(Shape x, Pool2dSpec spec, Shape y, MemorySegment xd, MemorySegment yd) {
        forward(avgAlgorithm(spec), x, spec, y, xd, yd);
    }

    void avgBackward(Shape x, Pool2dSpec spec, Shape y, MemorySegment gy, MemorySegment gx) {
        int alg = avgAlgorithm(spec);
        Prim p = ctx.cached(new Key(true, alg, Dims.of(x.dims()), spec), () -> {
            try (Descs d = new Descs()) {
                MemorySegment xmd = d.plain(Conv.longs(x)), ymd = d.plain(Conv.longs(y));
                Geometry g = new Geometry(d, x, y, spec);
                MemorySegment hint = d.pd("dnnl_pooling_forward_primitive_desc_create", true, o ->
                        dnnl_pooling_forward_primitive_desc_create(o, ctx.engine, dnnl_forward_training(), alg, xmd, ymd,
                                g.strides, g.kernel, g.dilation, g.padL, g.padR, MemorySegment.NULL));
                MemorySegment pd = d.pd("dnnl_pooling_backward_primitive_desc_create", false, o ->
                        dnnl_pooling_backward_primitive_desc_create(o, ctx.engine, alg, xmd, ymd,
                                g.strides, g.kernel, g.dilation, g.padL, g.padR, hint, MemorySegment.NULL));
                return new Prim("avg pool backward " + x + " " + spec, pd, ctx.engine, DNNL_ARG_DIFF_DST(), DNNL_ARG_DIFF_SRC());
            }
        });
        p.execute(ctx.stream, gy, gx);
    }

    private void forward(int alg, Shape x, Pool2dSpec spec, Shape y, MemorySegment xd, MemorySegment yd) {
        Prim p = ctx.cached(new Key(false, alg, Dims.of(x.dims()), spec), () -> {
            try (Descs d = new Descs()) {
                MemorySegment xmd = d.plain(Conv.longs(x)), ymd = d.plain(Conv.longs(y));
                Geometry g = new Geometry(d, x, y, spec);
                MemorySegment pd = d.pd("dnnl_pooling_forward_primitive_desc_create", false, o ->
                        dnnl_pooling_forward_primitive_desc_create(o, ctx.engine, dnnl_forward_inference(), alg, xmd, ymd,
                                g.strides, g.kernel, g.dilation, g.padL, g.padR, MemorySegment.NULL));
                return new Prim("pool forward " + x + " " + spec, pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_DST());
            }
        });
        p.execute(ctx.stream, xd, yd);
    }

    /**
     * PyTorch divides by kernel area with countIncludePad; in floor mode no window
     * reaches past the padding, so that is oneDNN's avg_include_padding.
     */
    private static int avgAlgorithm(Pool2dSpec spec) {
        return spec.countIncludePad() ? dnnl_pooling_avg_include_padding() : dnnl_pooling_avg_exclude_padding();
    }

    private static final class Geometry {
        final MemorySegment strides, kernel, dilation, padL, padR;

        Geometry(Descs d, Shape x, Shape y, Pool2dSpec s) {
            strides = d.dims(s.strideH(), s.strideW());
            kernel = d.dims(s.kernelH(), s.kernelW());
            dilation = d.dims(0, 0);
            padL = d.dims(s.padH(), s.padW());
            padR = d.dims(Conv.rightPad(x.dim(2), s.kernelH(), s.strideH(), s.padH(), 1, y.dim(2)),
                    Conv.rightPad(x.dim(3), s.kernelW(), s.strideW(), s.padW(), 1, y.dim(3)));
        }
    }
}
