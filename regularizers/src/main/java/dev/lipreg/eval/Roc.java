package dev.lipreg.eval;

import java.util.Arrays;

/**
 * The ROC curve of a statistic that should be larger on adversarial images
 * (positives) than on clean ones (negatives). Points are taken at every
 * distinct score, from the strictest threshold (0,0) to (1,1); tied scores move
 * as one diagonal segment, so the trapezoid area equals
 * P(s_adv > s_clean) + ½·P(s_adv = s_clean).
 *
 * @param falsePositiveRates per point, the fraction of clean scores flagged, from 0 up to 1
 * @param truePositiveRates  per point, the fraction of adversarial scores flagged, from 0 up to 1
 * @param thresholds point j flags scores ≥ thresholds[j] (+∞ for the first point)
 * @param auc                the area under the curve, in [0, 1]
 */
public record Roc(double[] falsePositiveRates, double[] truePositiveRates, double[] thresholds, double auc) {

    /**
     * The curve of two samples of the statistic.
     *
     * @param clean       scores of clean images (negatives)
     * @param adversarial scores of adversarial images (positives)
     * @return the curve, one point per distinct score plus (0, 0)
     * @throws IllegalArgumentException if either sample is empty or a score is NaN
     */
    public static Roc of(double[] clean, double[] adversarial) {
        if (clean == null || adversarial == null || clean.length == 0 || adversarial.length == 0) {
            throw new IllegalArgumentException("clean and adversarial scores must both be non-empty");
        }
        int nNeg = clean.length, nPos = adversarial.length, n = nNeg + nPos;
        double[] score = new double[n];
        boolean[] positive = new boolean[n];
        for (int i = 0; i < nNeg; i++) score[i] = clean[i];
        for (int i = 0; i < nPos; i++) {
            score[nNeg + i] = adversarial[i];
            positive[nNeg + i] = true;
        }
        for (double v : score) if (Double.isNaN(v)) throw new IllegalArgumentException("scores contain NaN");
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a])); // descending
        double[] fpr = new double[n + 1], tpr = new double[n + 1], thr = new double[n + 1];
        thr[0] = Double.POSITIVE_INFINITY;
        int points = 1, tp = 0, fp = 0;
        double area = 0;
        for (int i = 0; i < n; ) {
            double s = score[order[i]];
            for (; i < n && score[order[i]] == s; i++) { // one group of tied scores
                if (positive[order[i]]) tp++;
                else fp++;
            }
            fpr[points] = (double) fp / nNeg;
            tpr[points] = (double) tp / nPos;
            thr[points] = s;
            area += (fpr[points] - fpr[points - 1]) * (tpr[points] + tpr[points - 1]) / 2;
            points++;
        }
        return new Roc(Arrays.copyOf(fpr, points), Arrays.copyOf(tpr, points), Arrays.copyOf(thr, points), area);
    }
}
