package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Pool2dSpec;

/** Average pooling (count_include_pad as in the spec). */
public final class AvgPool2d extends Module {
    private final Pool2dSpec spec;

    /**
     * Average pooling with {@code spec}.
     *
     * @param spec the window, stride, padding and whether padding counts
     */
    public AvgPool2d(Pool2dSpec spec) {
        this.spec = spec;
    }

    /** {@return the pooling's window, stride and padding} */
    public Pool2dSpec spec() {
        return spec;
    }

    @Override
    public Variable forward(Variable x) {
        return Ops.avgPool2d(x, spec);
    }

    @Override
    public String describe() {
        return "AvgPool2d(kernel=" + spec.kernelH() + "x" + spec.kernelW() + ", stride=" + spec.strideH() + "x" + spec.strideW()
                + ", padding=" + spec.padH() + "x" + spec.padW() + ")";
    }
}
