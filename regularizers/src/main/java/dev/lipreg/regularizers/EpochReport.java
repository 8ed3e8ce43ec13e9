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
 * @param epoch         the epoch, from 0
 * @param learningRate  the epoch's learning rate
 * @param trainLoss     the mean data loss over the epoch's batches
 * @param meanGradDual  mean of the dual norm
 * @param trainAccuracy the accuracy on the training batches (as they were seen)
 * @param testLoss      the test set's mean loss after the epoch
 * @param testAccuracy  the test set's accuracy after the epoch
 * @param seconds       the epoch's wall time
 */
public record EpochReport(int epoch, double learningRate, double trainLoss, Map<String, Double> penalties,
                          double maxGradL2, double meanGradL2, double maxGradDual, double meanGradDual,
                          double trainAccuracy, double testLoss, double testAccuracy, double seconds) {
}
