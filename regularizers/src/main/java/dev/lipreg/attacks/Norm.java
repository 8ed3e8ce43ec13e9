package dev.lipreg.attacks;

import dev.lipreg.tensor.ReduceOp;

import java.util.Locale;

/** The threat-model norm of an attack: the norm its perturbations are bounded or minimized in. */
public enum Norm {
    L2, LINF;

    /** The reduction that measures a perturbation in this norm. */
    public ReduceOp reduceOp() {
        return this == L2 ? ReduceOp.NORM_L2 : ReduceOp.NORM_LINF;
    }

    /** The dual norm's reduction, which measures gradients: first-order change under ‖δ‖ ≤ ε is ε·‖g‖_*. */
    public ReduceOp dualReduceOp() {
        return this == L2 ? ReduceOp.NORM_L2 : ReduceOp.NORM_L1;
    }

    /** "l2" or "linf", as used in reports and on the command line. */
    public String label() {
        return this == L2 ? "l2" : "linf";
    }

    public static Norm parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "l2", "2" -> L2;
            case "linf", "inf", "l-inf" -> LINF;
            default -> throw new IllegalArgumentException("unknown norm '" + s + "', expected l2 or linf");
        };
    }
}
