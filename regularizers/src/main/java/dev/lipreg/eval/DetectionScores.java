package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/** A {@link DetectionStatistic} evaluated on every image of a set, in batches. */
public final class DetectionScores {
    private DetectionScores() {
    }

    /**
     * The statistic of every image, computed with gradients on (statistics may differentiate the logits).
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...]
     * @param statistic the score to compute
     * @param batchSize images per forward pass
     * @param progress  told of each batch done, in images; null for none
     * @return one score per image, in image order
     * @throws IllegalArgumentException if the model is null or training, the statistic is null,
     *                                  the images are malformed or batchSize is not positive
     */
    public static double[] of(Module model, Tensor images, DetectionStatistic statistic, int batchSize, Progress progress) {
        int n = Batches.check(images, null, batchSize);
        if (statistic == null) throw new IllegalArgumentException("statistic must not be null");
        Inputs.checkModel(model, images);
        double[] s = new double[n];
        Batches.forEach(images, null, batchSize, Robustness.orNone(progress), n, 0, (x, y, off) -> {
            Inputs.checkImages(x, "images");
            try (GradMode.Restore on = GradMode.set(true)) {
                Variable xv = Variable.leaf(x);
                double[] v = statistic.of(xv, model.forward(xv), false).value().toDoubleArray();
                System.arraycopy(v, 0, s, off, v.length);
            }
        });
        return s;
    }
}
