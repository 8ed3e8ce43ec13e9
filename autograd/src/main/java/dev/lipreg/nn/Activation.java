package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/** Parameter-free element-wise activations: ReLU, LeakyReLU, ELU, Softplus, Tanh, Sigmoid. */
public final class Activation extends Module {
    public enum Kind { RELU, LEAKY_RELU, ELU, SOFTPLUS, TANH, SIGMOID }

    private final Kind kind;
    private final double alpha;

    public Activation(Kind kind, double alpha) {
        this.kind = kind;
        this.alpha = alpha;
    }

    public static Activation relu() {
        return new Activation(Kind.RELU, 0);
    }

    public static Activation leakyRelu(double slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    public static Activation elu(double alpha) {
        return new Activation(Kind.ELU, alpha);
    }

    public static Activation softplus() {
        return new Activation(Kind.SOFTPLUS, 0);
    }

    public static Activation tanh() {
        return new Activation(Kind.TANH, 0);
    }

    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID, 0);
    }

    public Kind kind() {
        return kind;
    }

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
