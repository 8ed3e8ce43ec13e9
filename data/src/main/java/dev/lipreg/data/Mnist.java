package dev.lipreg.data;

import java.nio.file.Path;

/** MNIST handwritten digits: 60000 training and 10000 test images of 28x28, classes 0..9. */
public final class Mnist {
    /** The number of classes. */
    public static final int NUM_CLASSES = 10;

    private Mnist() {}

    /**
     * Loads a split from {@code dir} holding {@code train-images-idx3-ubyte[.gz]},
     * {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-images-idx3-ubyte[.gz]} and
     * {@code t10k-labels-idx1-ubyte[.gz]}. The dataset is named {@code mnist-train} or {@code mnist-test}.
     *
     * @param dir   the directory holding the files
     * @param split TRAIN or TEST
     * @return the dataset
     */
    public static Dataset load(Path dir, Split split) {
        return DataIo.atEdge(dir, () -> MnistFiles.load(dir, split, "mnist", "MNIST"));
    }
}
