package dev.lipreg.regularizers;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Shape;

/** Per-example norms of batched tensors as differentiable ops. */
public final class Norms {
    private Norms() {
    }

    /**
     * ‖x_i‖ for each example i: [N, ...] → [N], over every axis but the batch axis.
     *
     * @param norm the norm
     * @param x    a batch [N, ...]
     * @return the norms [N]
     */
    public static Variable perExample(Norm norm, Variable x) {
        int[] axes = featureAxes(x.shape());
        if (axes.length == 0) return Ops.abs(x);
        return switch (norm) {
            case L1 -> Ops.normL1(x, false, axes);
            case L2 -> Ops.normL2(x, false, axes);
            case LINF -> Ops.normLinf(x, false, axes);
        };
    }

    /** Every axis but the batch axis 0. */
    static int[] featureAxes(Shape s) {
        int[] a = new int[s.rank() - 1];
        for (int i = 0; i < a.length; i++) a[i] = i + 1;
        return a;
    }
}
