package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/** AdaptiveAvgPool2d(1): mean over the spatial axes, [N,C,H,W] → [N,C,1,1] as in PyTorch. */
public final class AdaptiveAvgPool2d extends Module {
    /** The pooling layer; it has no parameters. */
    public AdaptiveAvgPool2d() {
    }

    @Override
    public Variable forward(Variable x) {
        if (x.shape().rank() != 4) throw new IllegalArgumentException("AdaptiveAvgPool2d: input must be [N,C,H,W], got " + x.shape());
        return Ops.mean(x, true, 2, 3);
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(1)";
    }
}
