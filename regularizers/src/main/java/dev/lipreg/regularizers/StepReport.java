package dev.lipreg.regularizers;

import java.util.Map;

/** What one optimizer step did, for progress display and logs. */
public record StepReport(int epoch, int step, int stepsPerEpoch, double learningRate, double dataLoss,
                         Map<String, Double> penalties, double maxGradL2, int correct, int count) {
}
