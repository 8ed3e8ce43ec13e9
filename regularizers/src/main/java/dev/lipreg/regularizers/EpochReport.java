package dev.lipreg.regularizers;

import java.util.Map;

/**
 * One epoch's summary. Gradient norms are of ∇ₓℓ per training example (the
 * quantities the penalties act on); test metrics are NaN without a test set.
 *
 * @param penalties  mean value of each penalty over the epoch's batches
 * @param maxGradL2  max_i ‖∇ₓℓ(x_i)‖₂ over the epoch (on training batches)
 * @param meanGradL2 mean_i ‖∇ₓℓ(x_i)‖₂
 * @param maxGradDual max of the dual (TV) norm, ℓ1 unless the penalties use another
 */
public record EpochReport(int epoch, double learningRate, double trainLoss, Map<String, Double> penalties,
                          double maxGradL2, double meanGradL2, double maxGradDual, double meanGradDual,
                          double trainAccuracy, double testLoss, double testAccuracy, double seconds) {
}
