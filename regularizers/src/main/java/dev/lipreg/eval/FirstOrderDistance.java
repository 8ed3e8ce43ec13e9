package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.regularizers.InputGradient;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

/**
 * The first-order estimate of each image's minimal adversarial distance
 * (docs/evaluation.md, "The paper's checks"): with the logit margin
 * m(x) = z_y − max_{k≠y} z_k, linearizing m around x puts the decision boundary
 * at distance m / ‖∇ₓ m‖_* in the threat norm (‖·‖_* its dual). Exact for a
 * two-class linear model without the [0, 1] box; for a network, the better it
 * tracks the attacks' distances, the more the gradient norm the penalties shrink
 * explains the robustness gained. The model must be in evaluation mode.
 */
public final class FirstOrderDistance {
    private FirstOrderDistance() {
    }

    /**
     * Per image: the margin (negative when misclassified), the dual norm of its input gradient, and
     * margin / gradient norm (+∞ where the gradient vanishes).
     *
     * @param norm          the threat norm the distances are estimated in
     * @param margins       per image, the logit margin z_y − max_{k≠y} z_k (negative when misclassified)
     * @param gradientNorms per image, the dual norm of ∇ₓ margin
     * @param estimates     per image, margin / gradient norm in input units (±∞ where the gradient vanishes)
     */
    public record Estimates(Norm norm, double[] margins, double[] gradientNorms, double[] estimates) {
    }

    /**
     * Estimates in threat norm {@code norm} (l2 or linf) for every image, in batches.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...]
     * @param labels    their labels [N]
     * @param norm      the threat norm, ℓ2 or ℓ∞
     * @param batchSize images per forward and backward pass
     * @param progress  told of each batch done, in images; null for none
     * @return the estimates
     * @throws IllegalArgumentException if the model is null or training, the images or labels are malformed,
     *                                  the norm is not ℓ2 or ℓ∞, or batchSize is not positive
     */
    public static Estimates of(Module model, Tensor images, Tensor labels, Norm norm, int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        Inputs.checkThreatNorm(norm);
        Inputs.checkModel(model, images);
        double[] margins = new double[n], norms = new double[n], estimates = new double[n];
        try (GradMode.Restore on = GradMode.set(true)) {
            Batches.forEach(images, labels, batchSize, Robustness.orNone(progress), n, 0, (x, y, off) -> {
                Inputs.checkImages(x, "images");
                Variable in = Variable.leaf(x);
                Variable m = InputGradient.margin(model.forward(in), y);
                Tensor g = Autograd.grad(Ops.sum(m), in, false).value();
                System.arraycopy(m.value().toDoubleArray(), 0, margins, off, x.dim(0));
                System.arraycopy(PerImage.norms(g, norm.dualReduceOp()), 0, norms, off, x.dim(0));
            });
        }
        for (int i = 0; i < n; i++) estimates[i] = norms[i] > 0 ? margins[i] / norms[i] : Math.copySign(Double.POSITIVE_INFINITY, margins[i]);
        return new Estimates(norm, margins, norms, estimates);
    }
}
