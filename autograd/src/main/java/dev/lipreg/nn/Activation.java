package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/** Parameter-free element-wise activations: ReLU, LeakyReLU, ELU, Softplus, Tanh, Sigmoid. */
public final class Activation extends Module {
    /** Which function an {@link Activation} applies. */
    public enum Kind {
        /** max(x, 0). */
        RELU,
        /** x for x &gt; 0, else alpha · x. */
        LEAKY_RELU,
        /** x for x &gt; 0, else alpha · (eˣ − 1). */
        ELU,
        /** log(1 + eˣ). */
        SOFTPLUS,
        /** Hyperbolic tangent. */
        TANH,
        /** 1 / (1 + e⁻ˣ). */
        SIGMOID
    }

    private final Kind kind;
    private final double alpha;

    /**
     * An activation of {@code kind}; {@code alpha} is the slope of LEAKY_RELU or the α of ELU (ignored otherwise).
     *
     * @param kind  the function
     * @param alpha its parameter
     */
    public Activation(Kind kind, double alpha) {
        this.kind = kind;
        this.alpha = alpha;
    }

    /** {@return max(x, 0)} */
    public static Activation relu() {
        return new Activation(Kind.RELU, 0);
    }

    /**
     * x for x &gt; 0, slope·x otherwise.
     *
     * @param slope the negative side's slope
     * @return the activation
     */
    public static Activation leakyRelu(double slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    /**
     * x for x &gt; 0, α·(eˣ − 1) otherwise.
     *
     * @param alpha α
     * @return the activation
     */
    public static Activation elu(double alpha) {
        return new Activation(Kind.ELU, alpha);
    }

    /** {@return log(1 + eˣ)} */
    public static Activation softplus() {
        return new Activation(Kind.SOFTPLUS, 0);
    }

    /** {@return tanh(x)} */
    public static Activation tanh() {
        return new Activation(Kind.TANH, 0);
    }

    /** {@return 1 / (1 + e⁻ˣ)} */
    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID, 0);
    }

    /** {@return the function} */
    public Kind kind() {
        return kind;
    }

    /** {@return the slope of LEAKY_RELU or the α of ELU} */
    public double alpha() {
        return alpha;
    }

    @Override
    public Variable forward(Variable x) {
        return switch (kind) {
            case RELU -> Ops.relu(x);
            case LEAKY_RELU -> Ops.leakyRelu(x, alpha);
            case ELU -> Ops.elu(x, alpha);
            case SOFTPLUS -> Ops.softplus(x);
            case TANH -> Ops.tanh(x);
            case SIGMOID -> Ops.sigmoid(x);
        };
    }

    @Override
    public String describe() {
        return switch (kind) {
            case RELU -> "ReLU()";
            case LEAKY_RELU -> "LeakyReLU(" + alpha + ")";
            case ELU -> "ELU(" + alpha + ")";
            case SOFTPLUS -> "Softplus()";
            case TANH -> "Tanh()";
            case SIGMOID -> "Sigmoid()";
        };
    }
}
