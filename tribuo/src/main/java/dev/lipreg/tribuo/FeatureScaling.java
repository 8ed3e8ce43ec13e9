package dev.lipreg.tribuo;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The feature space a LipReg model sees: each feature mapped affinely so that
 * the training set's range becomes [0,1], then clipped to [0,1]. Attacks and
 * gradient norms are measured in this space (ε = 0.1 moves a feature by a tenth
 * of its training range), and the clip keeps the attacks' box constraint true
 * for test points outside the training range. A constant feature maps to 0.
 */
public final class FeatureScaling implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Per-feature minimum of the training data. */
    private final double[] min;
    /** Per-feature maximum of the training data. */
    private final double[] max;

    /**
     * Scaling from each feature's training range [min, max] to [0, 1].
     *
     * @param min per-feature minimum
     * @param max per-feature maximum, at least the minimum
     */
    public FeatureScaling(double[] min, double[] max) {
        if (min == null || max == null || min.length != max.length || min.length == 0) {
            throw new IllegalArgumentException("feature scaling needs min and max arrays of one equal, non-zero length, got "
                    + (min == null ? "null" : min.length) + " and " + (max == null ? "null" : max.length));
        }
        for (int j = 0; j < min.length; j++) {
            if (!Double.isFinite(min[j]) || !Double.isFinite(max[j]) || min[j] > max[j]) {
                throw new IllegalArgumentException("feature " + j + ": expected finite min <= max, got [" + min[j] + ", " + max[j] + "]");
            }
        }
        this.min = min.clone();
        this.max = max.clone();
    }

    /**
     * The per-feature range of {@code rows} (each of {@code features} values).
     *
     * @param rows     the rows of raw features
     * @param features the number of features per row
     * @return the scaling
     */
    public static FeatureScaling fit(double[][] rows, int features) {
        if (rows.length == 0) throw new IllegalArgumentException("cannot fit a feature scaling to zero examples");
        double[] lo = new double[features], hi = new double[features];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < features; j++) {
                double v = rows[i][j];
                if (!Double.isFinite(v)) throw new IllegalArgumentException("example " + i + ", feature " + j + " is " + v + ", expected a finite value");
                lo[j] = Math.min(lo[j], v);
                hi[j] = Math.max(hi[j], v);
            }
        }
        return new FeatureScaling(lo, hi);
    }

    /** {@return the number of features} */
    public int features() {
        return min.length;
    }

    /** {@return the per-feature minima (a copy)} */
    public double[] min() {
        return min.clone();
    }

    /** {@return the per-feature maxima (a copy)} */
    public double[] max() {
        return max.clone();
    }

    /**
     * Multiplier of feature j: 1 / range, or 0 for a constant feature.
     *
     * @param j the feature's index
     * @return the multiplier
     */
    public double scale(int j) {
        double r = max[j] - min[j];
        return r > 0 ? 1 / r : 0;
    }

    /**
     * Raw features → the model's [0,1] space, as floats.
     *
     * @param raw the raw features
     * @return the scaled features
     */
    public float[] apply(double[] raw) {
        if (raw.length != min.length) throw new IllegalArgumentException("expected " + min.length + " features, got " + raw.length);
        float[] out = new float[raw.length];
        for (int j = 0; j < raw.length; j++) out[j] = (float) Math.min(1, Math.max(0, (raw[j] - min[j]) * scale(j)));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureScaling s && Arrays.equals(min, s.min) && Arrays.equals(max, s.max);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(min) + Arrays.hashCode(max);
    }
}
