package dev.lipreg.tensor;

import java.util.Locale;

/**
 * A vector norm: of a perturbation (the threat model of an attack) or of a
 * gradient. Perturbations bounded in one norm change a function to first
 * order by at most ε times its gradient's {@link #dual() dual} norm, which is
 * why a penalty against ℓ∞ attacks uses the ℓ1 norm of ∇ₓℓ.
 */
public enum Norm {
    /** ℓ1: Σ |x|; dual of {@link #LINF}. */
    L1,
    /** ℓ2 (Euclidean): sqrt(Σ x²); its own dual. */
    L2,
    /** ℓ∞: max |x|; dual of {@link #L1}. */
    LINF;

    /**
     * The norm named {@code s}: l1 (1), l2 (2) or linf (inf).
     *
     * @param s the name
     * @return the norm
     */
    public static Norm parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "l1", "1" -> L1;
            case "l2", "2" -> L2;
            case "linf", "inf", "l-inf" -> LINF;
            default -> throw new IllegalArgumentException("unknown norm '" + s + "', expected l1, l2 or linf");
        };
    }

    /** {@return the dual norm: ℓ1 ↔ ℓ∞, ℓ2 ↔ ℓ2} */
    public Norm dual() {
        return switch (this) {
            case L1 -> LINF;
            case L2 -> L2;
            case LINF -> L1;
        };
    }

    /** {@return the reduction that computes this norm} */
    public ReduceOp reduceOp() {
        return switch (this) {
            case L1 -> ReduceOp.NORM_L1;
            case L2 -> ReduceOp.NORM_L2;
            case LINF -> ReduceOp.NORM_LINF;
        };
    }

    /** {@return the reduction of the dual norm, which measures gradients} */
    public ReduceOp dualReduceOp() {
        return dual().reduceOp();
    }

    /**
     * "l1", "l2" or "linf", as in reports and on the command line.
     *
     * @return the label
     */
    public String label() {
        return switch (this) {
            case L1 -> "l1";
            case L2 -> "l2";
            case LINF -> "linf";
        };
    }
}
