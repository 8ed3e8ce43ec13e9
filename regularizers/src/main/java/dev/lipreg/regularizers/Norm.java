package dev.lipreg.regularizers;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

import java.util.Locale;

/**
 * A vector norm of per-example tensors [N, ...] (all axes but the batch axis).
 * A penalty on the input gradient uses the dual of the attack norm:
 * ℓ∞ attacks ↔ ℓ1 gradient norm, ℓ2 ↔ ℓ2, ℓ1 ↔ ℓ∞.
 */
public enum Norm {
    L1, L2, LINF;

    public static Norm parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "l1", "1" -> L1;
            case "l2", "2" -> L2;
            case "linf", "inf", "l-inf" -> LINF;
            default -> throw new IllegalArgumentException("unknown norm '" + s + "', expected l1, l2 or linf");
        };
    }

    /** The dual norm: the gradient norm that bounds the loss change under attacks in this norm. */
    public Norm dual() {
        return switch (this) {
            case L1 -> LINF;
            case L2 -> L2;
            case LINF -> L1;
        };
    }

    /** ‖x_i‖ for each example i: [N, ...] → [N], differentiable. */
    public Variable perExample(Variable x) {
        int[] axes = new int[x.shape().rank() - 1];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
        if (axes.length == 0) return Ops.abs(x);
        return switch (this) {
            case L1 -> Ops.normL1(x, false, axes);
            case L2 -> Ops.normL2(x, false, axes);
            case LINF -> Ops.normLinf(x, false, axes);
        };
    }

    public String label() {
        return switch (this) {
            case L1 -> "l1";
            case L2 -> "l2";
            case LINF -> "linf";
        };
    }
}
