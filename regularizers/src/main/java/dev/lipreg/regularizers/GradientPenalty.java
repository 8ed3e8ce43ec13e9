package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/**
 * One penalty on the per-example input-gradient norms, e.g. the paper's
 * Lipschitz term (λ = 0.1, ℓ2) and TV term (ε = 0.01, ℓ1 for ℓ∞ attacks).
 */
public record GradientPenalty(PenaltyKind kind, double weight, Norm norm) {

    public GradientPenalty {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(kind.label() + " penalty: weight must be a finite number >= 0, got " + weight);
        }
    }

    /** λ · max_i ‖g_i‖₂. */
    public static GradientPenalty lipschitz(double lambda) {
        return new GradientPenalty(PenaltyKind.LIPSCHITZ, lambda, Norm.L2);
    }

    /** ε · mean_i ‖g_i‖_* with the dual of {@code attackNorm}. */
    public static GradientPenalty totalVariation(double epsilon, Norm attackNorm) {
        return new GradientPenalty(PenaltyKind.TOTAL_VARIATION, epsilon, attackNorm.dual());
    }

    /** (λ/2) · mean_i ‖g_i‖_*² with the dual of {@code attackNorm}. */
    public static GradientPenalty squared(double lambda, Norm attackNorm) {
        return new GradientPenalty(PenaltyKind.SQUARED, lambda, attackNorm.dual());
    }

    /** The penalty from per-example norms n [N]; differentiable in n. */
    public Variable apply(Variable norms) {
        return switch (kind) {
            case LIPSCHITZ -> Ops.scale(Ops.max(norms, false), weight);
            case TOTAL_VARIATION -> Ops.scale(Ops.mean(norms), weight);
            case SQUARED -> Ops.scale(Ops.mean(Ops.square(norms)), weight / 2);
        };
    }

    /** A short name for reports, e.g. "lip(l2)". */
    public String label() {
        return kind.label() + "(" + norm.label() + ")";
    }
}
