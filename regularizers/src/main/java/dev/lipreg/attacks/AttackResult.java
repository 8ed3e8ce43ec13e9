package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

/**
 * What an attack produced for a batch. {@code adversarial} lives in the scope
 * that was current when the attack was called. Success is re-checked on the
 * returned images, so the flags always describe {@code adversarial}. Where an
 * attack failed, the returned image is where it ended: the last (PGD, FGSM,
 * DeepFool) or highest-loss (APGD) iterate, or the original image (CW,
 * Boundary). Distances are those of the returned images from the originals;
 * {@link #successfulDistances} hides the failures behind +∞.
 *
 * @param predictions the model's labels for the returned images
 * @param seconds     wall time of the attack on this batch
 */
public record AttackResult(String attack, Tensor adversarial, boolean[] success, int[] predictions,
                           double[] l2, double[] linf, double seconds) {

    public int size() {
        return success.length;
    }

    public int successCount() {
        int c = 0;
        for (boolean s : success) c += s ? 1 : 0;
        return c;
    }

    public double successRate() {
        return (double) successCount() / success.length;
    }

    /** The per-image distances in {@code norm}. */
    public double[] distances(Norm norm) {
        return Inputs.checkThreatNorm(norm) == Norm.L2 ? l2 : linf;
    }

    /** Per-image distance in {@code norm} where the attack succeeded, +∞ where it failed. */
    public double[] successfulDistances(Norm norm) {
        double[] d = distances(norm).clone();
        for (int i = 0; i < d.length; i++) if (!success[i]) d[i] = Double.POSITIVE_INFINITY;
        return d;
    }
}
