package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Pool2dSpec;

/** Max pooling; gradients go to the first maximum of each window (PyTorch). */
public final class MaxPool2d extends Module {
    private final Pool2dSpec spec;

    /**
     * Max pooling with {@code spec}.
     *
     * @param spec the window, stride and padding
     */
    public MaxPool2d(Pool2dSpec spec) {
        this.spec = spec;
    }

    /**
     * Max pooling with a square window of {@code kernel}, stride {@code kernel}, no padding.
     *
     * @param kernel the window's side
     */
    public MaxPool2d(int kernel) {
        this(Pool2dSpec.of(kernel));
    }

    /** {@return the pooling's window, stride and padding} */
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
