package dev.lipreg.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Per-channel standardization {@code (x - mean[c]) / std[c]}. It is also an {@link Augmentation}
 * (one that ignores the generator), so a {@link Compose} can place it among the random steps, e.g.
 * after cropping in pixel space and before Cutout as DeVries &amp; Taylor do.
 *
 * <p>The record copies its arrays in and out, so instances are immutable.
 *
 * @param mean the per-channel means
 * @param std  the per-channel standard deviations, all positive
 */
public record Normalization(float[] mean, float[] std) implements Augmentation {
    /** MNIST training-set pixel mean and standard deviation. */
    public static final Normalization MNIST = new Normalization(new float[] {0.1307f}, new float[] {0.3081f});
    /** Fashion-MNIST training-set statistics (population std over all pixels). */
    public static final Normalization FASHION_MNIST = new Normalization(new float[] {0.2860f}, new float[] {0.3530f});
    /**
     * CIFAR-10 training-set statistics, RGB. The std is over all pixels (0.247, 0.243, 0.261), not the
     * often-copied (0.2023, 0.1994, 0.2010), which averages per-image deviations.
     */
    public static final Normalization CIFAR10 = new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2470f, 0.2435f, 0.2616f});
    /** CIFAR-100 training-set statistics, RGB. */
    public static final Normalization CIFAR100 = new Normalization(new float[] {0.5071f, 0.4865f, 0.4409f},
            new float[] {0.2673f, 0.2564f, 0.2762f});

    /** Checks the lengths and values and copies the arrays. */
    public Normalization {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std must have one entry per channel, got "
                    + mean.length + " and " + std.length);
        }
        for (int c = 0; c < mean.length; c++) {
            if (!Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("mean[" + c + "] = " + mean[c] + ", expected a finite value");
            }
            if (!(std[c] > 0) || !Float.isFinite(std[c])) {
                throw new IllegalArgumentException("std[" + c + "] = " + std[c] + ", expected a finite value > 0");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * Per-channel mean and population standard deviation over every pixel of {@code d}.
     *
     * @param d a dataset
     * @return its statistics
     */
    public static Normalization of(Dataset d) {
        Objects.requireNonNull(d, "dataset");
        if (d.count() == 0) {
            throw new IllegalArgumentException("dataset " + d.name() + " is empty, cannot compute statistics");
        }
        int c = d.channels();
        int plane = d.height() * d.width();
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        float[] x = d.images();
        for (int i = 0; i < d.count(); i++) {
            for (int ch = 0; ch < c; ch++) {
                // Per-plane partial sums first, so the large channel totals take fewer roundings.
                int base = (i * c + ch) * plane;
                double s = 0, s2 = 0;
                for (int k = base; k < base + plane; k++) {
                    float v = x[k];
                    s += v;
                    s2 += (double) v * v;
                }
                sum[ch] += s;
                sumSq[ch] += s2;
            }
        }
        double n = (double) d.count() * plane;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            double var = Math.max(0, sumSq[ch] / n - m * m);
            mean[ch] = (float) m;
            // A constant channel would divide by zero; 1 leaves it merely centred.
            std[ch] = var > 0 ? (float) Math.sqrt(var) : 1f;
        }
        return new Normalization(mean, std);
    }

    /** {@return the per-channel means (a copy)} */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** {@return the per-channel standard deviations (a copy)} */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** {@return the number of channels} */
    public int channels() {
        return mean.length;
    }

    /**
     * The dataset's images normalized, as a new array (the dataset is unchanged).
     *
     * @param d a dataset with this normalization's channel count
     * @return the normalized images, NCHW
     */
    public float[] apply(Dataset d) {
        Objects.requireNonNull(d, "dataset");
        float[] x = d.images().clone();
        apply(x, d.count(), d.channels(), d.height(), d.width());
        return x;
    }

    /**
     * Normalizes a batch of NCHW images in place.
     *
     * @param x the images, NCHW
     * @param n the number of images
     * @param c the channels per image (this normalization's)
     * @param h the height of each image
     * @param w the width of each image
     */
    public void apply(float[] x, int n, int c, int h, int w) {
        BatchShape.check(x, n, c, h, w);
        if (c != mean.length) {
            throw new IllegalArgumentException("images have " + c + " channels, this normalization has " + mean.length);
        }
        int plane = h * w;
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                float m = mean[ch];
                float sd = std[ch];
                int base = (s * c + ch) * plane;
                for (int k = base; k < base + plane; k++) {
                    x[k] = (x[k] - m) / sd; // divide, not multiply by 1/sd: the same floats as torchvision
                }
            }
        }
    }

    @Override
    public void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng) {
        apply(x, n, c, h, w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization other && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
