package dev.lipreg.regularizers;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.data.Batch;
import dev.lipreg.data.Batcher;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;

/**
 * Mean loss and accuracy of a model on a dataset, in evaluation mode, without recording a graph.
 *
 * @param loss     the mean loss
 * @param accuracy the accuracy, in [0, 1]
 * @param count    the number of examples
 */
public record CleanMetrics(double loss, double accuracy, int count) {

    /**
     * The metrics of {@code model} on {@code data}; the model's training mode is restored afterwards.
     *
     * @param model     the model
     * @param loss      the loss
     * @param data      the dataset
     * @param backend   where the batches go
     * @param batchSize examples per forward pass
     * @return the metrics
     */
    public static CleanMetrics of(Module model, Loss loss, Dataset data, Backend backend, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        try (GradMode.Restore off = GradMode.disabled()) {
            for (Batch b : new Batcher(data, batchSize, false, 0).epoch(0)) {
                try (Scope step = Scope.open()) {
                    var labels = b.labels(backend);
                    Variable logits = model.forward(Variable.constant(b.images(backend)));
                    lossSum += sum(loss.perExample(logits, labels).value().toDoubleArray());
                    correct += RobustObjective.correct(logits.value(), labels);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new CleanMetrics(lossSum / data.count(), (double) correct / data.count(), data.count());
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s;
    }
}
