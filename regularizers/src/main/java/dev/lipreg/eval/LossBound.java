package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.InputGradient;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's bound Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀) (docs/method.md §4) measured
 * on data: f₀ minimizes the loss alone, f_λ the loss plus the penalties λ·R, so
 * Loss(f_λ) + λR(f_λ) ≤ Loss(f₀) + λR(f₀) and the bound follows since λR(f_λ) ≥ 0.
 * Trained models are only approximate minimizers, so each inequality is checked,
 * not assumed. Loss is the mean of the objective's loss over the images; λ·R is
 * the sum of the objective's penalties on the per-image input gradients of its
 * target (loss or margin) over the same images — the Lipschitz term's max is
 * over all of them, not over one batch — computed exactly (double precision
 * aggregation) whatever mode the training used. Both models must be in
 * evaluation mode (the functions they are, not one batch's normalization).
 *
 * @param objective   the regularized objective's description
 * @param images      images measured
 * @param undefended  f₀'s loss and penalty terms
 * @param regularized f_λ's loss and penalty terms
 */
public record LossBound(String objective, int images, Side undefended, Side regularized) {

    /**
     * One model's mean loss and its penalty terms by label (e.g. "lip(l2)" → λ·max‖g‖₂).
     *
     * @param loss      the mean of the objective's loss over the images
     * @param penalties each penalty's weighted term λ·R on all images, by the penalty's label, in the objective's order
     */
    public record Side(double loss, Map<String, Double> penalties) {
        /** Copies the penalties into an unmodifiable map that keeps their order. */
        public Side {
            penalties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(penalties));
        }

        /** {@return λ·R: the sum of the penalty terms} */
        public double penalty() {
            return penalties.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** {@return the regularized objective J_λ = Loss + λ·R} */
        public double objective() {
            return loss + penalty();
        }
    }

    /** {@return the bound Loss(f₀) + λ·R(f₀)} */
    public double bound() {
        return undefended.loss() + undefended.penalty();
    }

    /** {@return whether the bound holds: Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀)} */
    public boolean holds() {
        return regularized.loss() <= bound();
    }

    /** {@return bound − Loss(f_λ): how far inside the bound (negative when it fails)} */
    public double slack() {
        return bound() - regularized.loss();
    }

    /** {@return whether J_λ(f_λ) ≤ J_λ(f₀): f_λ is the better minimizer of the objective it was trained on, which implies {@link #holds()}} */
    public boolean objectiveOrdered() {
        return regularized.objective() <= undefended.objective();
    }

    /** {@return whether Loss(f₀) ≤ Loss(f_λ): f₀ is the better minimizer of the loss alone} */
    public boolean lossOrdered() {
        return undefended.loss() <= regularized.loss();
    }

    /**
     * Measures both models on {@code images} with {@code objective}'s loss, penalties and gradient target.
     *
     * @param undefended  f₀, trained on the loss alone, in eval mode
     * @param regularized f_λ, trained on {@code objective}, in eval mode
     * @param objective   the regularized objective f_λ was trained with; it must have a penalty
     * @param images      the images [N, ...] both are measured on
     * @param labels      their labels [N]
     * @param batchSize   images per forward and backward pass
     * @param progress    told of each batch done (2N images in all); null for none
     * @return both sides of the bound
     * @throws IllegalArgumentException if a model is null or training, the objective is null or has no penalty,
     *                                  the images or labels are malformed, or batchSize is not positive
     */
    public static LossBound measure(Module undefended, Module regularized, RobustObjective objective, Tensor images, Tensor labels,
                                    int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        if (objective == null) throw new IllegalArgumentException("objective must not be null");
        if (objective.penalties().isEmpty()) throw new IllegalArgumentException("the objective has no penalty: " + objective.describe());
        Progress p = Robustness.orNone(progress);
        Side zero = side(undefended, objective, images, labels, batchSize, p, 2L * n, 0);
        Side lambda = side(regularized, objective, images, labels, batchSize, p, 2L * n, n);
        return new LossBound(objective.describe(), n, zero, lambda);
    }

    private static Side side(Module model, RobustObjective objective, Tensor images, Tensor labels, int batchSize, Progress progress,
                             long total, long done) {
        Inputs.checkModel(model, images);
        int n = images.dim(0);
        List<GradientPenalty> penalties = objective.penalties();
        double[] loss = new double[n];
        Map<Norm, double[]> norms = new EnumMap<>(Norm.class);
        for (GradientPenalty pen : penalties) norms.putIfAbsent(pen.norm(), new double[n]);
        try (GradMode.Restore on = GradMode.set(true)) {
            Batches.forEach(images, labels, batchSize, progress, total, done, (x, y, off) -> {
                Inputs.checkImages(x, "images");
                InputGradient ig = InputGradient.compute(model, objective.loss(), x, y, objective.target(), false);
                System.arraycopy(ig.lossPerExample().value().toDoubleArray(), 0, loss, off, x.dim(0));
                Tensor g = ig.grad().value();
                norms.forEach((norm, v) -> System.arraycopy(PerImage.norms(g, norm), 0, v, off, x.dim(0)));
            });
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        for (GradientPenalty pen : penalties) {
            // the penalty's own definition, on every image's norm at once, in double precision
            Variable all = Variable.constant(Backends.reference().fromArray(norms.get(pen.norm()), Shape.of(n)));
            terms.merge(pen.label(), pen.apply(all).item(), Double::sum);
        }
        return new Side(Stats.mean(loss), terms);
    }
}
