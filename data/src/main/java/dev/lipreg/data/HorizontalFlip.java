package dev.lipreg.data;

import java.util.random.RandomGenerator;

/**
 * Mirrors each image left-right with probability {@code p}.
 *
 * @param p the probability of a flip, in [0, 1]
 */
public record HorizontalFlip(double p) implements Augmentation {
    /** Checks that {@code p} is a probability. */
    public HorizontalFlip {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0,1], got " + p);
        }
    }

    /** Flips half of the images, the usual setting. */
    public HorizontalFlip() {
        this(0.5);
    }

    @Override
    public void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng) {
        BatchShape.check(x, n, c, h, w);
        for (int s = 0; s < n; s++) {
            if (rng.nextDouble() >= p) {
                continue;
            }
            for (int row = 0; row < c * h; row++) {
                int lo = (s * c * h + row) * w;
                for (int i = lo, j = lo + w - 1; i < j; i++, j--) {
                    float t = x[i];
                    x[i] = x[j];
                    x[j] = t;
                }
            }
        }
    }
}
