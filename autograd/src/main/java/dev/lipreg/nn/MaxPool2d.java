package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Pool2dSpec;

/** Max pooling; gradients go to the first maximum of each window (PyTorch). */
public final class MaxPool2d extends Module {
    private final Pool2dSpec spec;

    public MaxPool2d(Pool2dSpec spec) {
        this.spec = spec;
    }

    public MaxPool2d(int kernel) {
        this(Pool2dSpec.of(kernel));
    }

    public Pool2dSpec spec() {
        return spec;
    }

    @Override
    public Variable forward(Variable x) {
        return Ops.maxPool2d(x, spec);
    }

    @Override
    public String describe() {
        return "MaxPool2d(kernel=" + spec.kernelH() + "x" + spec.kernelW() + ", stride=" + spec.strideH() + "x" + spec.strideW()
                + ", padding=" + spec.padH() + "x" + spec.padW() + ")";
    }
}
