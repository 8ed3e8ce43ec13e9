package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Element-wise functions as oneDNN eltwise primitives over the flat float buffer
 * (shape does not matter to them, so every tensor of one size shares a primitive).
 */
final class Eltwise {
    /** An eltwise algorithm with its two parameters: dst = f(src; alpha, beta). */
    record Fn(String name, int alg, float alpha, float beta) {
        static Fn linear(double scale, double shift) {
            return new Fn("linear", dnnl_eltwise_linear(), (float) scale, (float) shift);
        }

        static Fn clip(double lo, double hi) {
            return new Fn("clip", dnnl_eltwise_clip_v2(), (float) lo, (float) hi);
        }

        /**
         * The eltwise form of {@code op}, or null for SIGN and STEP, which oneDNN has no
         * eltwise algorithm for (they are built from binary comparisons).
         */
        static Fn of(UnaryOp op, double alpha) {
            float a = (float) alpha;
            return switch (op) {
                case NEG -> new Fn("neg", dnnl_eltwise_linear(), -1f, 0f);
                case ABS -> new Fn("abs", dnnl_eltwise_abs(), 0f, 0f);
                case SQUARE -> new Fn("square", dnnl_eltwise_square(), 0f, 0f);
                case SQRT -> new Fn("sqrt", dnnl_eltwise_sqrt(), 0f, 0f);
                case EXP -> new Fn("exp", dnnl_eltwise_exp(), 0f, 0f);
                case LOG -> new Fn("log", dnnl_eltwise_log(), 0f, 0f);
                // pow: alpha * x^beta
                case RECIPROCAL -> new Fn("reciprocal", dnnl_eltwise_pow(), 1f, -1f);
                // relu's alpha is the negative slope; relu'(0) = alpha, so 0 for plain ReLU as PyTorch
                case RELU -> new Fn("relu", dnnl_eltwise_relu(), 0f, 0f);
                case LEAKY_RELU -> new Fn("leaky_relu", dnnl_eltwise_relu(), a, 0f);
                case ELU -> new Fn("elu", dnnl_eltwise_elu(), a, 0f);
                // soft_relu: log(1 + exp(alpha x)) / alpha
                case SOFTPLUS -> new Fn("softplus", dnnl_eltwise_soft_relu(), 1f, 0f);
                case TANH -> new Fn("tanh", dnnl_eltwise_tanh(), 0f, 0f);
                case SIGMOID -> new Fn("sigmoid", dnnl_eltwise_logistic(), 0f, 0f);
                case SIGN, STEP -> null;
            };
        }
    }

    private record Key(Fn fn, boolean backward, long n) {
    }

    private final DnnlContext ctx;

    Eltwise(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** dst = f(src) over {@code n} floats; dst may be src. */
    void forward(Fn fn, long n, MemorySegment src, MemorySegment dst) {
        Prim p = ctx.cached(new Key(fn, false, n), () -> {
            try (Descs d = new Descs()) {
                MemorySegment md = d.plain(n);
                MemorySegment pd = d.pd("dnnl_eltwise_forward_primitive_desc_create", false, out ->
                        dnnl_eltwise_forward_primitive_desc_create(out, ctx.engine, dnnl_forward_inference(), fn.alg(), md, md,
                                fn.alpha(), fn.beta(), MemorySegment.NULL));
                return new Prim("eltwise " + fn.name() + " [" + n + "]", pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_DST());
            }
        });
        p.execute(ctx.stream, src, dst);
    }

    /** diffSrc = diffDst · f'(src) over {@code n} floats. */
    void backward(Fn fn, long n, MemorySegment diffDst, MemorySegment src, MemorySegment diffSrc) {
        Prim p = ctx.cached(new Key(fn, true, n), () -> {
            try (Descs d = new Descs()) {
                MemorySegment md = d.plain(n);
                MemorySegment hint = d.pd("dnnl_eltwise_forward_primitive_desc_create", true, out ->
                        dnnl_eltwise_forward_primitive_desc_create(out, ctx.engine, dnnl_forward_training(), fn.alg(), md, md,
                                fn.alpha(), fn.beta(), MemorySegment.NULL));
                MemorySegment pd = d.pd("dnnl_eltwise_backward_primitive_desc_create", false, out ->
                        dnnl_eltwise_backward_primitive_desc_create(out, ctx.engine, fn.alg(), md, md, md,
                                fn.alpha(), fn.beta(), hint, MemorySegment.NULL));
                return new Prim("eltwise backward " + fn.name() + " [" + n + "]", pd, ctx.engine,
                        DNNL_ARG_DIFF_DST(), DNNL_ARG_SRC(), DNNL_ARG_DIFF_SRC());
            }
        });
        p.execute(ctx.stream, diffDst, src, diffSrc);
    }
}
