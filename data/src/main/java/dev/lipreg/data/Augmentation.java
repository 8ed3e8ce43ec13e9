package dev.lipreg.data;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A transform of a batch of NCHW images, applied in place. Every random choice is drawn from the
 * given generator, sample by sample in order, so the same generator state gives the same result;
 * {@link Batcher} seeds one per (seed, epoch, batch index).
 */
@FunctionalInterface
public interface Augmentation {
    /**
     * Transforms {@code n} images of {@code c x h x w} floats stored in {@code x} (length exactly
     * {@code n*c*h*w}) in place.
     *
     * @param x   the images, NCHW
     * @param n   the number of images
     * @param c   the channels per image
     * @param h   the height of each image
     * @param w   the width of each image
     * @param rng the generator every random choice draws from
     */
    void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng);

    /**
     * This augmentation, then {@code next}.
     *
     * @param next the augmentation to apply after this one
     * @return the composition
     */
    default Augmentation andThen(Augmentation next) {
        return Compose.of(this, Objects.requireNonNull(next, "next"));
    }

    /** {@return the augmentation that leaves batches unchanged} */
    static Augmentation none() {
        return (x, n, c, h, w, rng) -> BatchShape.check(x, n, c, h, w);
    }
}
