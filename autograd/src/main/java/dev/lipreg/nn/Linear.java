package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Shape;

/** Fully connected layer y = x·Wᵀ + b with weight [out, in]. */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(Init init, int in, int out, boolean bias) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: features must be >= 1, got " + in + "->" + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", init.weight(Shape.of(out, in), in, out));
        this.bias = bias ? registerParameter("bias", init.bias(out, in)) : null;
    }

    public Linear(Init init, int in, int out) {
        this(init, in, out, true);
    }

    public Parameter weight() {
        return weight;
    }

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
