package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/**
 * One penalty on the per-example input-gradient norms, e.g. the paper's
 * Lipschitz term (λ = 0.1, ℓ2) and TV term (ε = 0.01, ℓ1 for ℓ∞ attacks).
 *
 * @param kind   which penalty: Lipschitz (max), total variation (mean) or squared (mean of squares)
 * @param weight its weight (λ or ε), at least 0
 * @param norm   the norm of the input gradients it penalizes
 */
public record GradientPenalty(PenaltyKind kind, double weight, Norm norm) {

    /** Checks that the weight is finite and not negative. */
    public GradientPenalty {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(kind.label() + " penalty: weight must be a finite number >= 0, got " + weight);
        }
    }

    /**
     * λ · max_i ‖g_i‖₂.
     *
     * @param lambda the weight
     * @return the penalty
     */
    public static GradientPenalty lipschitz(double lambda) {
        return new GradientPenalty(PenaltyKind.LIPSCHITZ, lambda, Norm.L2);
    }

    /**
     * ε · mean_i ‖g_i‖_* with the dual of {@code attackNorm}.
     *
     * @param epsilon    the weight
     * @param attackNorm the attack's norm (L2 or LINF)
     * @return the penalty
     */
    public static GradientPenalty totalVariation(double epsilon, Norm attackNorm) {
        return new GradientPenalty(PenaltyKind.TOTAL_VARIATION, epsilon, attackNorm.dual());
    }

    /**
     * (λ/2) · mean_i ‖g_i‖_*² with the dual of {@code attackNorm}.
     *
     * @param lambda     the weight
     * @param attackNorm the attack's norm (L2 or LINF)
     * @return the penalty
     */
    public static GradientPenalty squared(double lambda, Norm attackNorm) {
        return new GradientPenalty(PenaltyKind.SQUARED, lambda, attackNorm.dual());
    }

    /**
     * The penalty from per-example norms n [N]; differentiable in n.
     *
     * @param norms the per-example gradient norms
     * @return the weighted penalty, a scalar
     */
    public Variable apply(Variable norms) {
        return switch (kind) {
            case LIPSCHITZ -> Ops.scale(Ops.max(norms, false), weight);
            case TOTAL_VARIATION -> Ops.scale(Ops.mean(norms), weight);
            case SQUARED -> Ops.scale(Ops.mean(Ops.square(norms)), weight / 2);
        };
    }

    /**
     * A short name for reports, e.g. "lip(l2)".
     *
     * @return the label
     */
    public String label() {
        return kind.label() + "(" + norm.label() + ")";
    }
}
