package dev.lipreg.data;

import java.util.Objects;

/** Argument checks for a batch of NCHW images held in a flat array. */
final class BatchShape {
    private BatchShape() {}

    static void check(float[] x, int n, int c, int h, int w) {
        Objects.requireNonNull(x, "x");
        if (n < 0 || c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("batch shape must have n >= 0 and c, h, w > 0, got n=" + n
                    + " c=" + c + " h=" + h + " w=" + w);
        }
        long expected = (long) n * c * h * w;
        if (x.length != expected) {
            throw new IllegalArgumentException("x has " + x.length + " floats, expected n*c*h*w = " + n + "*" + c
                    + "*" + h + "*" + w + " = " + expected);
        }
    }
}
