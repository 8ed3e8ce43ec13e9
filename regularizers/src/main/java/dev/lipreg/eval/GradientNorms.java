package dev.lipreg.eval;

import dev.lipreg.attacks.InputGradients;
import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Tensor;

/**
 * The loss's input-gradient norms over a dataset, ‖∇ₓ ℓ(x_i, y_i)‖₂ and ‖·‖₁ per
 * image: their maximum is the empirical Lipschitz estimate of the loss the paper
 * reports (and penalizes), their mean the "TV" term.
 */
public final class GradientNorms {
    private GradientNorms() {
    }

    /**
     * Per-image ℓ2 and ℓ1 norms of ∇ₓ ℓ.
     *
     * @param l2 per image, ‖∇ₓ ℓ‖₂
     * @param l1 per image, ‖∇ₓ ℓ‖₁
     */
    public record Report(double[] l2, double[] l1) {
        /** {@return the largest ‖∇ₓ ℓ‖₂: the empirical Lipschitz estimate of the loss} */
        public double maxL2() {
            return Stats.max(l2);
        }

        /** {@return the mean ‖∇ₓ ℓ‖₂} */
        public double meanL2() {
            return Stats.mean(l2);
        }

        /** {@return the largest ‖∇ₓ ℓ‖₁} */
        public double maxL1() {
            return Stats.max(l1);
        }

        /** {@return the mean ‖∇ₓ ℓ‖₁: the "TV" term} */
        public double meanL1() {
            return Stats.mean(l1);
        }
    }

    /**
     * The norms of every image's loss gradient, one backward pass per batch.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...]
     * @param labels    their labels [N]
     * @param loss      the loss ℓ whose input gradient is measured, e.g. {@link Loss#crossEntropy()}
     * @param batchSize images per pass
     * @param progress  told of each batch done, in images; null for none
     * @return the norms per image
     * @throws IllegalArgumentException if the model or loss is null, the model is training, the images or labels
     *                                  are malformed, or batchSize is not positive
     */
    public static Report of(Module model, Tensor images, Tensor labels, Loss loss, int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        if (loss == null) throw new IllegalArgumentException("loss must not be null");
        Inputs.checkModel(model, images);
        double[] l2 = new double[n], l1 = new double[n];
        Batches.forEach(images, labels, batchSize, Robustness.orNone(progress), n, 0, (x, y, off) -> {
            Inputs.checkImages(x, "images");
            Tensor g = InputGradients.ofLoss(model, x, y, loss).gradient();
            System.arraycopy(PerImage.norms(g, ReduceOp.NORM_L2), 0, l2, off, x.dim(0));
            System.arraycopy(PerImage.norms(g, ReduceOp.NORM_L1), 0, l1, off, x.dim(0));
        });
        return new Report(l2, l1);
    }
}
