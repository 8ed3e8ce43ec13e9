package dev.lipreg.regularizers;

import java.util.Map;

/**
 * What one optimizer step did, for progress display and logs.
 *
 * @param epoch         the epoch, from 0
 * @param step          the step within the epoch, from 0
 * @param stepsPerEpoch the steps in the epoch
 * @param learningRate  the step's learning rate
 * @param dataLoss      the batch's mean data loss
 * @param penalties     each penalty's value by label
 * @param maxGradL2     the batch's largest ‖∇ₓℓ‖₂
 * @param correct       the batch's correct predictions
 * @param count         the batch's size
 */
public record StepReport(int epoch, int step, int stepsPerEpoch, double learningRate, double dataLoss,
                         Map<String, Double> penalties, double maxGradL2, int correct, int count) {
}
