package dev.lipreg.spark;

import java.io.Serializable;

/**
 * What one sweep task sends back to the driver (its checkpoint and history stay in {@code runDir}).
 *
 * @param point        the sweep point trained and evaluated
 * @param runDir       the run's published directory (checkpoint, history, result)
 * @param images       test images evaluated
 * @param cleanError   test error without attack, in [0, 1]
 * @param epsilons     the PGD budgets, in input units of the point's norm
 * @param errors       error under PGD at each of {@code epsilons} (in the point's norm; clean errors count)
 * @param maxGradL2    max_i ‖∇ₓℓ_i‖₂ over the last epoch's training batches
 * @param trainLoss    mean training loss of the last epoch
 * @param trainSeconds training time of the task, in seconds
 * @param evalSeconds  evaluation time of the task, in seconds
 * @param attempt      Spark's attempt number of the task that produced it (0 unless retried)
 */
public record SweepResult(SweepPoint point, String runDir, int images, double cleanError, double[] epsilons, double[] errors, double trainLoss,
                          double maxGradL2, double trainSeconds, double evalSeconds, int attempt) implements Serializable {
}
