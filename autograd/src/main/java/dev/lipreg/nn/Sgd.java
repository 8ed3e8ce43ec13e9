package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
 *
 * <pre>{@code
 * Sgd sgd = Sgd.builder().lr(0.05).momentum(0.9).weightDecay(5e-4).build(net.parameters());
 * }</pre>
 */
public final class Sgd extends ParameterOptimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    /**
     * Settings named one by one; defaults as torch.optim.SGD (no momentum, no decay), lr 0.01.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Every argument of torch.optim.SGD, in its order. Prefer {@link #builder()}.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param momentum    the momentum factor
     * @param dampening   the dampening of the momentum
     * @param weightDecay the L2 weight decay
     * @param nesterov    whether to use Nesterov momentum
     */
    public Sgd(Map<String, Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("SGD", params, lr, List.of("momentum_buffer"));
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: weight decay must be >= 0, got " + weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /**
     * Momentum and weight decay without dampening or Nesterov. Prefer {@link #builder()}.
     *
     * @param params      the parameters to update
     * @param lr          the learning rate
     * @param momentum    the momentum factor
     * @param weightDecay the L2 weight decay
     */
    public Sgd(Map<String, Parameter> params, double lr, double momentum, double weightDecay) {
        this(params, lr, momentum, 0, weightDecay, false);
    }

    /** Named settings of {@link Sgd}; {@link #build} checks them. */
    public static final class Builder {
        private double lr = 0.01, momentum, dampening, weightDecay;
        private boolean nesterov;

        private Builder() {
        }

        /**
         * Learning rate (a {@code LrSchedule} may change it per epoch); default 0.01.
         *
         * @param lr the learning rate
         * @return this builder
         */
        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /**
         * Momentum factor; default 0.
         *
         * @param momentum the factor
         * @return this builder
         */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /**
         * Dampening of the momentum; default 0.
         *
         * @param dampening the dampening
         * @return this builder
         */
        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        /**
         * L2 weight decay added to the gradient; default 0.
         *
         * @param weightDecay the decay
         * @return this builder
         */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Nesterov momentum (needs momentum &gt; 0 and no dampening); default off.
         *
         * @param nesterov whether to use it
         * @return this builder
         */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /**
         * The optimizer of {@code params} (usually {@code model.parameters()}).
         *
         * @param params the parameters to update
         * @return the optimizer
         */
        public Sgd build(Map<String, Parameter> params) {
            return new Sgd(params, lr, momentum, dampening, weightDecay, nesterov);
        }
    }

    @Override
    void update(String key, Parameter p, Tensor g) {
        Backend k = g.backend();
        Tensor d = weightDecay != 0 ? k.binary(BinaryOp.ADD, g, k.affine(p.value(), weightDecay, 0)) : g;
        if (momentum != 0) {
            String name = "momentum_buffer." + key;
            Tensor buf = state.get(name);
            if (buf == null) {
                state.set(name, d);
                buf = state.get(name);
            } else {
                k.addScaledInto(buf, momentum, d, 1 - dampening); // in place: one pass, no temporaries
            }
            d = nesterov ? k.binary(BinaryOp.ADD, d, k.affine(buf, momentum, 0)) : buf;
        }
        k.addScaledInto(p.value(), 1, d, -lr);
    }
}
