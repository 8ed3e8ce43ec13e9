package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Shape;

/** Fully connected layer y = x·Wᵀ + b with weight [out, in]. */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * A fully connected layer y = x·Wᵀ + b, W [out, in].
     *
     * @param init draws the parameters
     * @param in   input features
     * @param out  output features
     * @param bias whether it has a bias
     */
    public Linear(Init init, int in, int out, boolean bias) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: features must be >= 1, got " + in + "->" + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", init.weight(Shape.of(out, in), in, out));
        this.bias = bias ? registerParameter("bias", init.bias(out, in)) : null;
    }

    /**
     * A fully connected layer with a bias.
     *
     * @param init draws the parameters
     * @param in   input features
     * @param out  output features
     */
    public Linear(Init init, int in, int out) {
        this(init, in, out, true);
    }

    /** {@return the weight [out, in]} */
    public Parameter weight() {
        return weight;
    }

    /** {@return the bias [out], or null} */
    public Parameter bias() {
        return bias;
    }

    @Override
    public Variable forward(Variable x) {
        if (x.shape().rank() != 2 || x.dim(1) != in) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): input must be [N, " + in + "], got " + x.shape());
        }
        return Ops.linear(x, weight, bias);
    }

    @Override
    public String describe() {
        return "Linear(" + in + ", " + out + (bias == null ? ", bias=false" : "") + ")";
    }
}
