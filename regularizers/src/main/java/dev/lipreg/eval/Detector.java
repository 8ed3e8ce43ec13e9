package dev.lipreg.eval;

import java.util.Arrays;

/**
 * A threshold detector: an image is flagged when its statistic exceeds
 * {@code threshold}. {@link #calibrate} places the threshold so that at most the
 * requested fraction of clean images is flagged (the paper: 5%).
 *
 * @param threshold         images whose statistic is strictly above it are flagged
 * @param falsePositiveRate the fraction of the calibration (clean) scores above the threshold
 */
public record Detector(double threshold, double falsePositiveRate) {

    /**
     * The smallest clean score t with #(clean &gt; t) ≤ fpr·n; ties only lower the achieved rate.
     *
     * @param cleanScores             the statistic on clean images
     * @param targetFalsePositiveRate the largest fraction of them to flag, in [0, 1]
     * @return the detector, with the rate it achieves on {@code cleanScores}
     * @throws IllegalArgumentException if the scores are empty or hold NaN, or the rate is outside [0, 1]
     */
    public static Detector calibrate(double[] cleanScores, double targetFalsePositiveRate) {
        if (cleanScores == null || cleanScores.length == 0) throw new IllegalArgumentException("cleanScores must not be empty");
        if (!(targetFalsePositiveRate >= 0 && targetFalsePositiveRate <= 1)) {
            throw new IllegalArgumentException("targetFalsePositiveRate must be in [0, 1], got " + targetFalsePositiveRate);
        }
        double[] s = cleanScores.clone();
        for (double v : s) if (Double.isNaN(v)) throw new IllegalArgumentException("cleanScores contain NaN");
        Arrays.sort(s);
        int n = s.length;
        int keep = (int) Math.ceil((1 - targetFalsePositiveRate) * n - 1e-9); // scores that must lie at or below t
        double t = keep == 0 ? Double.NEGATIVE_INFINITY : s[keep - 1];
        return new Detector(t, rate(s, t));
    }

    /**
     * Which images are flagged.
     *
     * @param scores the statistic per image
     * @return per image, whether its score exceeds the threshold
     */
    public boolean[] flags(double[] scores) {
        boolean[] f = new boolean[scores.length];
        for (int i = 0; i < f.length; i++) f[i] = scores[i] > threshold;
        return f;
    }

    /**
     * Fraction of {@code scores} flagged: the detection rate on adversarial images, the false-positive rate on clean ones.
     *
     * @param scores the statistic per image
     * @return the fraction in [0, 1], NaN for no scores
     */
    public double detectionRate(double[] scores) {
        return rate(scores, threshold);
    }

    private static double rate(double[] scores, double t) {
        if (scores.length == 0) return Double.NaN;
        int c = 0;
        for (double v : scores) if (v > t) c++;
        return (double) c / scores.length;
    }
}
