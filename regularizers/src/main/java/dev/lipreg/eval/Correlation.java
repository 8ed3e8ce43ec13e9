package dev.lipreg.eval;

import java.util.Arrays;
import java.util.Comparator;

/** Correlation coefficients of paired samples, e.g. per-image distances against their first-order estimates. */
public final class Correlation {
    private Correlation() {
    }

    /**
     * Pearson's r: covariance over the product of standard deviations; NaN when either sample is constant.
     *
     * @param x the first sample
     * @param y the second, paired with x by index
     * @return r in [−1, 1], or NaN
     * @throws IllegalArgumentException if the samples differ in length, have fewer than 2 pairs or a non-finite value
     */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        double mx = mean(x), my = mean(y), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /**
     * Spearman's ρ: Pearson's r of the ranks, tied values sharing their average rank.
     *
     * @param x the first sample
     * @param y the second, paired with x by index
     * @return ρ in [−1, 1], or NaN when either sample is constant
     * @throws IllegalArgumentException if the samples differ in length, have fewer than 2 pairs or a non-finite value
     */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        return pearson(ranks(x), ranks(y));
    }

    /** Ranks 1..n, ties averaged. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && v[order[end + 1]] == v[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) r[order[k]] = rank;
            start = end + 1;
        }
        return r;
    }

    private static void check(double[] x, double[] y) {
        if (x == null || y == null || x.length != y.length) {
            throw new IllegalArgumentException("correlation needs two samples of one length, got " + (x == null ? "null" : x.length)
                    + " and " + (y == null ? "null" : y.length));
        }
        if (x.length < 2) throw new IllegalArgumentException("correlation needs at least 2 pairs, got " + x.length);
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException("correlation needs finite values, got " + x[i] + " and " + y[i] + " at pair " + i);
            }
        }
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }
}
