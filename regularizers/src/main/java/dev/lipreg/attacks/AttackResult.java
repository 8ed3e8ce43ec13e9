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
 * @param attack      the attack's name
 * @param adversarial the returned images (the adversarial ones where the attack succeeded)
 * @param success     per image, whether the attack succeeded
 * @param l2          per image, the ℓ2 distance to the original
 * @param linf        per image, the ℓ∞ distance to the original
 */
public record AttackResult(String attack, Tensor adversarial, boolean[] success, int[] predictions,
                           double[] l2, double[] linf, double seconds) {

    /** {@return the number of images} */
    public int size() {
        return success.length;
    }

    /** {@return the number of images the attack succeeded on} */
    public int successCount() {
        int c = 0;
        for (boolean s : success) c += s ? 1 : 0;
        return c;
    }

    /** {@return the fraction of images the attack succeeded on} */
    public double successRate() {
        return (double) successCount() / success.length;
    }

    /**
     * The per-image distances in {@code norm}.
     *
     * @param norm L2 or LINF
     * @return the distances
     */
    public double[] distances(Norm norm) {
        return Inputs.checkThreatNorm(norm) == Norm.L2 ? l2 : linf;
    }

    /**
     * Per-image distance in {@code norm} where the attack succeeded, +∞ where it failed.
     *
     * @param norm L2 or LINF
     * @return the distances
     */
    public double[] successfulDistances(Norm norm) {
        double[] d = distances(norm).clone();
        for (int i = 0; i < d.length; i++) if (!success[i]) d[i] = Double.POSITIVE_INFINITY;
        return d;
    }
}
