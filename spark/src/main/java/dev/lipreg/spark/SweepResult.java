package dev.lipreg.spark;

import java.io.Serializable;

/**
 * What one sweep task sends back to the driver (its checkpoint and history stay in {@code runDir}).
 *
 * @param errors       error under PGD at each of {@code epsilons} (in the point's norm; clean errors count)
 * @param maxGradL2    max_i ‖∇ₓℓ_i‖₂ over the last epoch's training batches
 * @param trainSeconds training time of the task, {@code evalSeconds} evaluation time
 * @param attempt      Spark's attempt number of the task that produced it (0 unless retried)
 */
public record SweepResult(SweepPoint point, String runDir, int images, double cleanError, double[] epsilons, double[] errors, double trainLoss,
                          double maxGradL2, double trainSeconds, double evalSeconds, int attempt) implements Serializable {
}
