package dev.lipreg.regularizers;

import dev.lipreg.data.Batch;
import dev.lipreg.data.Batcher;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;

/**
 * Per-example ‖∇ₓℓ(x_i, y_i)‖ (ℓ2 and ℓ1) of a model over a dataset in
 * evaluation mode: the empirical Lipschitz estimate of the loss (PAPER.md §2).
 */
public record GradientNorms(double[] l2, double[] l1) {

    public static GradientNorms of(Module model, Loss loss, Dataset data, Backend backend, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double[] l2 = new double[data.count()], l1 = new double[data.count()];
        int at = 0;
        try {
            for (Batch b : new Batcher(data, batchSize, false, 0).epoch(0)) {
                try (Scope step = Scope.open()) {
                    InputGradient ig = InputGradient.compute(model, loss, b.images(backend), b.labels(backend), GradientTarget.LOSS, false);
                    System.arraycopy(Norm.L2.perExample(ig.grad()).value().toDoubleArray(), 0, l2, at, b.n());
                    System.arraycopy(Norm.L1.perExample(ig.grad()).value().toDoubleArray(), 0, l1, at, b.n());
                    at += b.n();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new GradientNorms(l2, l1);
    }

    public double maxL2() {
        double m = 0;
        for (double v : l2) m = Math.max(m, v);
        return m;
    }

    public double meanL2() {
        double s = 0;
        for (double v : l2) s += v;
        return s / l2.length;
    }
}
