package dev.lipreg.regularizers;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Norm;

/** Per-example norms of batched tensors as differentiable ops. */
public final class Norms {
    private Norms() {
    }

    /** ‖x_i‖ for each example i: [N, ...] → [N], over every axis but the batch axis. */
    public static Variable perExample(Norm norm, Variable x) {
        int[] axes = new int[x.shape().rank() - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
        if (axes.length == 0) return Ops.abs(x);
        return switch (norm) {
            case L1 -> Ops.normL1(x, false, axes);
            case L2 -> Ops.normL2(x, false, axes);
            case LINF -> Ops.normLinf(x, false, axes);
        };
    }
}
