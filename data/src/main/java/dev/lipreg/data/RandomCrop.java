package dev.lipreg.data;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Pads each image with {@code padding} zeros on every side and crops it back to its size at a
 * uniformly random position (torchvision's {@code RandomCrop(size, padding)}): the result is the
 * image shifted by (dy, dx) in [-padding, padding]^2, zeros where the window leaves the image.
 *
 * @param padding the zero padding on each side, at least 0
 */
public record RandomCrop(int padding) implements Augmentation {
    /** Checks that {@code padding} is not negative. */
    public RandomCrop {
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
    }

    @Override
    public void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng) {
        BatchShape.check(x, n, c, h, w);
        int plane = h * w;
        int size = c * plane;
        float[] src = new float[size];
        for (int s = 0; s < n; s++) {
            // Drawn even for padding 0, so every sample consumes the same randomness.
            int dy = rng.nextInt(2 * padding + 1) - padding;
            int dx = rng.nextInt(2 * padding + 1) - padding;
            if (dy == 0 && dx == 0) {
                continue;
            }
            int base = s * size;
            System.arraycopy(x, base, src, 0, size);
            // Output column xo reads input column xo + dx, valid for xo in [x0, x1).
            int x0 = Math.min(w, Math.max(0, -dx));
            int x1 = Math.max(x0, Math.min(w, w - dx));
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int out = base + ch * plane + y * w;
                    int sy = y + dy;
                    if (sy < 0 || sy >= h) {
                        Arrays.fill(x, out, out + w, 0f);
                        continue;
                    }
                    Arrays.fill(x, out, out + x0, 0f);
                    if (x1 > x0) {
                        System.arraycopy(src, ch * plane + sy * w + x0 + dx, x, out + x0, x1 - x0);
                    }
                    Arrays.fill(x, out + x1, out + w, 0f);
                }
            }
        }
    }
}
