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
