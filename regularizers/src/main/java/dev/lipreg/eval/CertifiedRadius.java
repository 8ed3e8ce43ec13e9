package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/**
 * Certified ℓ2 robustness from a Lipschitz bound L of the logits: a logit
 * margin m = f_top − f_runner-up can shrink by at most √2·L·‖δ‖₂ (the top and
 * runner-up coordinates of a ℓ2-bounded change), so a correctly classified image
 * keeps its label within radius m/(√2·L).
 */
public final class CertifiedRadius {
    private CertifiedRadius() {
    }

    /**
     * Per image: the logit margin, whether the model is correct, and the certified
     * radius (0 for misclassified images).
     *
     * @param lipschitz the ℓ2 Lipschitz bound L of the logits the radii assume
     * @param margins   per image, the top logit minus the runner-up's (≥ 0)
     * @param correct   per image, whether the top class is the label
     * @param radii     per image, the certified ℓ2 radius m/(√2·L) in input units, 0 if misclassified
     */
    public record Certificates(double lipschitz, double[] margins, boolean[] correct, double[] radii) {

        /**
         * Fraction of images correctly classified with radius ≥ ε: a lower bound on the accuracy under any ℓ2 attack of size ε.
         *
         * @param eps the ℓ2 radius, in input units
         * @return the certified accuracy in [0, 1]
         */
        public double certifiedAccuracy(double eps) {
            int c = 0;
            for (int i = 0; i < radii.length; i++) if (correct[i] && radii[i] >= eps) c++;
            return (double) c / radii.length;
        }

        /**
         * {@link #certifiedAccuracy(double)} at each radius.
         *
         * @param epsilons ℓ2 radii, in input units
         * @return the certified accuracies, one per radius
         */
        public double[] certifiedAccuracy(double[] epsilons) {
            double[] a = new double[epsilons.length];
            for (int j = 0; j < a.length; j++) a[j] = certifiedAccuracy(epsilons[j]);
            return a;
        }

        /** {@return the median certified radius over all images (misclassified ones count as 0)} */
        public double medianRadius() {
            return Stats.median(radii);
        }
    }

    /**
     * Certifies every image from one forward pass per batch.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...]
     * @param labels    their labels [N]
     * @param lipschitz an ℓ2 Lipschitz bound of the logits (e.g. {@link LipschitzUpperBound}), &gt; 0
     * @param batchSize images per forward pass
     * @param progress  told of each batch done, in images; null for none
     * @return the certificates
     * @throws IllegalArgumentException if the model is null or training, the images or labels are malformed,
     *                                  or lipschitz or batchSize is not positive
     */
    public static Certificates of(Module model, Tensor images, Tensor labels, double lipschitz, int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        Inputs.checkPositive(lipschitz, "lipschitz");
        Inputs.checkModel(model, images);
        double[] margins = new double[n], radii = new double[n];
        boolean[] correct = new boolean[n];
        long[] y = labels.toLongArray();
        Batches.forEach(images, labels, batchSize, Robustness.orNone(progress), n, 0, (x, yb, off) -> {
            Inputs.checkImages(x, "images");
            Tensor logits = PerImage.logits(model, x);
            int classes = logits.dim(1);
            double[] z = logits.toDoubleArray();
            int[] pred = PerImage.argmax(logits);
            for (int i = 0; i < x.dim(0); i++) {
                double top = z[i * classes + pred[i]], second = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) if (c != pred[i]) second = Math.max(second, z[i * classes + c]);
                int at = off + i;
                margins[at] = top - second;
                correct[at] = pred[i] == y[at];
                radii[at] = correct[at] ? margins[at] / (Math.sqrt(2) * lipschitz) : 0;
            }
        });
        return new Certificates(lipschitz, margins, correct, radii);
    }
}
