package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.List;
import java.util.Map;

/**
 * Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight
 * decay), as torch.optim.Adam / AdamW with bias correction.
 *
 * <pre>{@code
 * Adam adamW = Adam.builder().lr(1e-3).weightDecay(0.01).decoupled(true).build(net.parameters());
 * }</pre>
 */
public final class Adam extends ParameterOptimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;

    /**
     * Settings named one by one; defaults as torch.optim.Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8, no decay).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Every argument of torch.optim.Adam/AdamW. Prefer {@link #builder()}.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param beta1       the decay of the first moment
     * @param beta2       the decay of the second moment
     * @param eps         added to the denominator
     * @param weightDecay the weight decay
     * @param decoupled   true for AdamW's decoupled decay
     */
    public Adam(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(decoupled ? "AdamW" : "Adam", params, lr, List.of("step", "exp_avg", "exp_avg_sq"));
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /**
     * Adam with PyTorch's defaults and learning rate {@code lr}.
     *
     * @param params the parameters to update
     * @param lr     the learning rate
     * @return the optimizer
     */
    public static Adam adam(Map<String, Parameter> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /**
     * AdamW (decoupled weight decay) with PyTorch's default betas and eps.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param weightDecay the decoupled weight decay
     * @return the optimizer
     */
    public static Adam adamW(Map<String, Parameter> params, double lr, double weightDecay) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, true);
    }

    /** Named settings of {@link Adam}; {@link #build} checks them. */
    public static final class Builder {
        private double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay;
        private boolean decoupled;

        private Builder() {
        }

        /**
         * Learning rate; default 1e-3.
         *
         * @param lr the learning rate
         * @return this builder
         */
        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /**
         * Decay rates of the first and second moment estimates, each in [0, 1); default 0.9, 0.999.
         *
         * @param beta1 the first moment's decay
         * @param beta2 the second moment's decay
         * @return this builder
         */
        public Builder betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /**
         * Added to the denominator for stability; default 1e-8.
         *
         * @param eps the constant
         * @return this builder
         */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /**
         * Weight decay; default 0.
         *
         * @param weightDecay the decay
         * @return this builder
         */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * True for AdamW's decoupled weight decay, false for Adam's L2 term; default false.
         *
         * @param decoupled whether the decay is decoupled
         * @return this builder
         */
        public Builder decoupled(boolean decoupled) {
            this.decoupled = decoupled;
            return this;
        }

        /**
         * The optimizer of {@code params} (usually {@code model.parameters()}).
         *
         * @param params the parameters to update
         * @return the optimizer
         */
        public Adam build(Map<String, Parameter> params) {
            return new Adam(params, lr, beta1, beta2, eps, weightDecay, decoupled);
        }
    }

    @Override
    void update(String key, Parameter p, Tensor grad) {
        Backend k = grad.backend();
        Tensor stepT = state.getOrCreate("step." + key, () -> k.full(Shape.scalar(), DType.INT64, 0));
        long t = stepT.toLongArray()[0] + 1;
        state.set("step." + key, k.full(Shape.scalar(), DType.INT64, t));
        Tensor w = p.value();
        if (decoupled && weightDecay != 0) w = k.affine(w, 1 - lr * weightDecay, 0);
        Tensor g = !decoupled && weightDecay != 0 ? k.binary(BinaryOp.ADD, grad, k.affine(w, weightDecay, 0)) : grad;
        Tensor m = state.getOrCreate("exp_avg." + key, () -> k.full(g.shape(), g.dtype(), 0));
        Tensor v = state.getOrCreate("exp_avg_sq." + key, () -> k.full(g.shape(), g.dtype(), 0));
        Tensor m2 = k.binary(BinaryOp.ADD, k.affine(m, beta1, 0), k.affine(g, 1 - beta1, 0));
        Tensor v2 = k.binary(BinaryOp.ADD, k.affine(v, beta2, 0), k.affine(k.unary(UnaryOp.SQUARE, g), 1 - beta2, 0));
        state.set("exp_avg." + key, m2);
        state.set("exp_avg_sq." + key, v2);
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        // p -= lr/c1 · m / (sqrt(v)/sqrt(c2) + eps)
        Tensor denom = k.affine(k.unary(UnaryOp.SQRT, v2), 1 / Math.sqrt(c2), eps);
        Tensor update = k.affine(k.binary(BinaryOp.DIV, m2, denom), lr / c1, 0);
        p.assign(k.binary(BinaryOp.SUB, w, update));
    }
}
