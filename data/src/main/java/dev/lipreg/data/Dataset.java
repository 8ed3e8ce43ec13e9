package dev.lipreg.data;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Labelled images held in plain arrays: {@code images} in NCHW order with values in [0,1]
 * (uint8 / 255 for the file readers), {@code labels} in [0, numClasses).
 *
 * <p>The constructor takes ownership of the arrays without copying (a training set is hundreds of
 * megabytes), and {@link #images()} and {@link #labels()} return them as they are: callers must not
 * modify them. {@link #subset}, {@link #take} and {@link #sample} return copies.
 */
public final class Dataset {
    private final float[] images;
    private final int[] labels;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;
    private final String name;

    /**
     * Validates everything: dimensions positive, {@code images.length == count * channels * height *
     * width}, {@code labels.length == count}, every label in [0, numClasses), every pixel in [0,1].
     *
     * @throws IllegalArgumentException naming the argument and what was expected
     * @param images     the pixels, NCHW, in [0,1] (kept, not copied)
     * @param labels     the labels (kept, not copied)
     * @param count      the number of images
     * @param channels   the channels per image
     * @param height     the height of each image
     * @param width      the width of each image
     * @param numClasses the number of classes
     * @param name       the dataset's name, for messages and reports
     */
    public Dataset(float[] images, int[] labels, int count, int channels, int height, int width,
            int numClasses, String name) {
        this(images, labels, count, channels, height, width, numClasses, name, true);
    }

    /** For readers whose pixels are in [0,1] by construction: skips the scan over every pixel. */
    static Dataset ofTrustedPixels(float[] images, int[] labels, int count, int channels, int height,
            int width, int numClasses, String name) {
        return new Dataset(images, labels, count, channels, height, width, numClasses, name, false);
    }

    private Dataset(float[] images, int[] labels, int count, int channels, int height, int width,
            int numClasses, String name, boolean checkPixels) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(name, "name");
        requirePositive("channels", channels);
        requirePositive("height", height);
        requirePositive("width", width);
        requirePositive("numClasses", numClasses);
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        long expected = (long) count * channels * height * width;
        if (images.length != expected) {
            throw new IllegalArgumentException("images has " + images.length + " floats, expected count*channels*height*width = "
                    + count + "*" + channels + "*" + height + "*" + width + " = " + expected);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries, expected count = " + count);
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("labels[" + i + "] = " + labels[i] + ", expected 0.." + (numClasses - 1));
            }
        }
        if (checkPixels) {
            for (int i = 0; i < images.length; i++) {
                float v = images[i];
                if (!(v >= 0f && v <= 1f)) { // also rejects NaN
                    throw new IllegalArgumentException("images[" + i + "] = " + v + ", expected a value in [0,1]");
                }
            }
        }
        this.images = images;
        this.labels = labels;
        this.count = count;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
        this.name = name;
    }

    private static void requirePositive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, got " + v);
        }
    }

    /**
     * All pixels, NCHW, in [0,1]. The dataset's own array: do not modify.
     *
     * @return the pixels
     */
    public float[] images() {
        return images;
    }

    /**
     * All labels. The dataset's own array: do not modify.
     *
     * @return the labels
     */
    public int[] labels() {
        return labels;
    }

    /**
     * Every image as a float32 tensor [count, channels, height, width] on {@code backend}, in the current scope.
     *
     * @param backend the backend to put them on
     * @return the images
     */
    public Tensor images(Backend backend) {
        return backend.fromArray(images, Shape.of(count, channels, height, width));
    }

    /**
     * Every label as an int64 tensor [count] on {@code backend}, in the current scope.
     *
     * @param backend the backend to put them on
     * @return the labels
     */
    public Tensor labels(Backend backend) {
        return Tensor.ofLabels(backend, labels);
    }

    /** {@return the number of images} */
    public int count() {
        return count;
    }

    /** {@return the channels per image} */
    public int channels() {
        return channels;
    }

    /** {@return the height of each image} */
    public int height() {
        return height;
    }

    /** {@return the width of each image} */
    public int width() {
        return width;
    }

    /** {@return the number of classes} */
    public int numClasses() {
        return numClasses;
    }

    /** {@return the dataset's name} */
    public String name() {
        return name;
    }

    /**
     * Floats per image: channels * height * width.
     *
     * @return the size
     */
    public int imageSize() {
        return channels * height * width;
    }

    /**
     * A copy of image {@code i} (CHW).
     *
     * @param i the image's index
     * @return the image
     */
    public float[] image(int i) {
        Objects.checkIndex(i, count);
        int size = imageSize();
        return Arrays.copyOfRange(images, i * size, (i + 1) * size);
    }

    /**
     * The label of image {@code i}.
     *
     * @param i the image's index
     * @return its label
     */
    public int label(int i) {
        Objects.checkIndex(i, count);
        return labels[i];
    }

    /**
     * A copy of images {@code [from, to)}.
     *
     * @param from the first image, inclusive
     * @param to   the last image, exclusive
     * @return the subset
     */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > count || from > to) {
            throw new IllegalArgumentException("subset [" + from + ", " + to + ") is not within [0, " + count + "]");
        }
        int size = imageSize();
        return derived(Arrays.copyOfRange(images, from * size, to * size), Arrays.copyOfRange(labels, from, to),
                name + "[" + from + ":" + to + "]");
    }

    /**
     * A copy of the images at {@code indices}, in that order (repeats allowed).
     *
     * @param indices the images to take
     * @return the new dataset
     */
    public Dataset take(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        int size = imageSize();
        float[] x = new float[Math.multiplyExact(indices.length, size)];
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= count) {
                throw new IllegalArgumentException("indices[" + k + "] = " + i + ", expected 0.." + (count - 1));
            }
            System.arraycopy(images, i * size, x, k * size, size);
            y[k] = labels[i];
        }
        return derived(x, y, name + "[take " + indices.length + "]");
    }

    /**
     * A fixed random subset of {@code n} distinct images, the same for the same seed, kept in the
     * original order (so it is a stable slice of the data, not a shuffle).
     *
     * @param n    the number of images, at most {@link #count()}
     * @param seed the seed of the choice
     * @return the subset
     */
    public Dataset sample(int n, long seed) {
        if (n < 0 || n > count) {
            throw new IllegalArgumentException("sample size n = " + n + ", expected 0.." + count);
        }
        // Partial Fisher-Yates: the first n slots become a uniform random n-subset.
        int[] perm = new int[count];
        for (int i = 0; i < count; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(count - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] chosen = Arrays.copyOf(perm, n);
        Arrays.sort(chosen);
        Dataset d = take(chosen);
        return new Dataset(d.images, d.labels, n, channels, height, width, numClasses,
                name + "[sample " + n + " seed " + seed + "]", false);
    }

    /** {@return number of images of each class, indexed by label} */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    private Dataset derived(float[] x, int[] y, String newName) {
        return new Dataset(x, y, y.length, channels, height, width, numClasses, newName, false);
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + count + " x " + channels + "x" + height + "x" + width + ", "
                + numClasses + " classes]";
    }
}
