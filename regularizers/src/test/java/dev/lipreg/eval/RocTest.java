package dev.lipreg.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ROC/AUC and the threshold detector on statistics with known answers. */
class RocTest {
    static final int N = 10_000;

    static double[] uniform(int n, double lo, double hi, long seed) {
        return new SplittableRandom(seed).doubles(n, lo, hi).toArray();
    }

    @Test
    void perfectReversedAndRandomStatistics() {
        double[] clean = uniform(N / 2, 0, 1, 1), adv = uniform(N / 2, 2, 3, 2);
        assertEquals(1.0, Roc.of(clean, adv).auc(), 1e-12);
        assertEquals(0.0, Roc.of(adv, clean).auc(), 1e-12);
        // the same distribution for both: AUC ≈ 0.5; its standard deviation for 5,000 + 5,000 scores is ≈ 0.0058
        double random = Roc.of(uniform(N / 2, 0, 1, 3), uniform(N / 2, 0, 1, 4)).auc();
        System.out.printf("AUC of a random statistic, n = %d: %.4f%n", N, random);
        assertEquals(0.5, random, 0.02);
    }

    @Test
    void tiesCountOneHalfAndTheCurveSpansTheSquare() {
        double[] same = new double[100];
        Roc all = Roc.of(same, same);
        assertEquals(0.5, all.auc(), 1e-12);
        assertArrayEquals(new double[]{0, 1}, all.falsePositiveRates());
        assertArrayEquals(new double[]{0, 1}, all.truePositiveRates());
        // heavy ties on a 5-value grid: the trapezoid equals the Mann–Whitney count P(a > c) + P(a = c)/2
        SplittableRandom rng = new SplittableRandom(5);
        double[] clean = new double[300], adv = new double[200];
        for (int i = 0; i < clean.length; i++) clean[i] = rng.nextInt(5);
        for (int i = 0; i < adv.length; i++) adv[i] = rng.nextInt(5) + (rng.nextBoolean() ? 1 : 0);
        double wins = 0;
        for (double a : adv) for (double c : clean) wins += a > c ? 1 : a == c ? 0.5 : 0;
        Roc roc = Roc.of(clean, adv);
        assertEquals(wins / (clean.length * adv.length), roc.auc(), 1e-12);
        int last = roc.falsePositiveRates().length - 1;
        assertEquals(0, roc.falsePositiveRates()[0]);
        assertEquals(1, roc.falsePositiveRates()[last]);
        assertEquals(1, roc.truePositiveRates()[last]);
        assertEquals(Double.POSITIVE_INFINITY, roc.thresholds()[0]);
        for (int j = 1; j <= last; j++) {
            assertTrue(roc.falsePositiveRates()[j] >= roc.falsePositiveRates()[j - 1] && roc.truePositiveRates()[j] >= roc.truePositiveRates()[j - 1]);
        }
    }

    @Test
    void detectorCalibratedAtFivePercent() {
        double[] clean = new double[1000];
        for (int i = 0; i < clean.length; i++) clean[i] = i; // distinct 0..999
        Detector d = Detector.calibrate(clean, 0.05);
        assertEquals(949, d.threshold());
        assertEquals(0.05, d.falsePositiveRate(), 1e-12);
        assertEquals(0.05, d.detectionRate(clean), 1e-12);
        assertEquals(1.0, d.detectionRate(new double[]{1000, 2000}));
        // ties at the threshold: never more than the target rate
        double[] tied = new double[100];
        for (int i = 0; i < tied.length; i++) tied[i] = i < 90 ? 0 : 1;
        Detector t = Detector.calibrate(tied, 0.05);
        assertTrue(t.falsePositiveRate() <= 0.05, "fpr " + t.falsePositiveRate());
        assertThrows(IllegalArgumentException.class, () -> Detector.calibrate(clean, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Detector.calibrate(new double[0], 0.05));
        assertThrows(IllegalArgumentException.class, () -> Roc.of(new double[0], clean));
        assertThrows(IllegalArgumentException.class, () -> Roc.of(new double[]{Double.NaN}, clean));
    }
}
