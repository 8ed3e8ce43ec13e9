package dev.lipreg.data;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.Objects;

/**
 * One mini-batch: {@code n} images of {@code c x h x w} floats in {@code x} (NCHW), their labels
 * {@code y}, and {@code indices}, the dataset positions they came from. The arrays belong to the
 * batch (freshly allocated by {@link Batcher}); the record does not copy them.
 *
 * @param x       the images, NCHW
 * @param y       the labels
 * @param n       the number of images
 * @param c       the channels per image
 * @param h       the height of each image
 * @param w       the width of each image
 * @param indices each image's index in the dataset
 */
public record Batch(float[] x, int[] y, int n, int c, int h, int w, int[] indices) {
    /** Checks the sizes against the arrays. */
    public Batch {
        BatchShape.check(x, n, c, h, w);
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(indices, "indices");
        if (y.length != n || indices.length != n) {
            throw new IllegalArgumentException("y has " + y.length + " and indices " + indices.length
                    + " entries, expected n = " + n);
        }
    }

    /**
     * Floats per image: c * h * w.
     *
     * @return the size
     */
    public int imageSize() {
        return c * h * w;
    }

    /**
     * Images [n,c,h,w] float32 on {@code backend}, in the current scope.
     *
     * @param backend the backend to put them on
     * @return the images
     */
    public Tensor images(Backend backend) {
        return backend.fromArray(x, Shape.of(n, c, h, w));
    }

    /**
     * Labels [n] int64 on {@code backend}, in the current scope.
     *
     * @param backend the backend to put them on
     * @return the labels
     */
    public Tensor labels(Backend backend) {
        return Tensor.ofLabels(backend, y);
    }
}
