package dev.lipreg.data;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Cutout (DeVries &amp; Taylor 2017): zeroes a {@code size x size} square in every channel of each
 * image. The center (cy, cx) is uniform over all pixels and the square, rows
 * {@code [cy - size/2, cy - size/2 + size)} and likewise for columns, is clipped at the borders, so
 * near an edge less than size^2 pixels are zeroed. For even sizes this is the reference code's
 * square; for odd sizes it is exactly size wide (the reference code's is size - 1).
 *
 * @param size the side of the square, at least 1
 */
public record Cutout(int size) implements Augmentation {
    /** Checks that {@code size} is positive. */
    public Cutout {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be > 0, got " + size);
        }
    }

    @Override
    public void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng) {
        BatchShape.check(x, n, c, h, w);
        for (int s = 0; s < n; s++) {
            int cy = rng.nextInt(h);
            int cx = rng.nextInt(w);
            int y0 = Math.max(0, cy - size / 2);
            int y1 = Math.min(h, cy - size / 2 + size);
            int x0 = Math.max(0, cx - size / 2);
            int x1 = Math.min(w, cx - size / 2 + size);
            for (int ch = 0; ch < c; ch++) {
                int planeBase = (s * c + ch) * h * w;
                for (int y = y0; y < y1; y++) {
                    Arrays.fill(x, planeBase + y * w + x0, planeBase + y * w + x1, 0f);
                }
            }
        }
    }
}
