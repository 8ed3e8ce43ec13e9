package dev.lipreg.eval;

import java.util.Arrays;

/** Order statistics of per-image values; +∞ (no adversarial found) sorts last. */
final class Stats {
    private Stats() {
    }

    static double median(double[] v) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] == s[m] ? s[m] : (s[m - 1] + s[m]) / 2);
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double d : v) m = Math.max(m, d);
        return m;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    /** Fraction of values ≤ t. */
    static double fractionAtMost(double[] v, double t) {
        int c = 0;
        for (double d : v) if (d <= t) c++;
        return (double) c / v.length;
    }
}
