package dev.lipreg.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017): 60000 training and 10000 test grey images of
 * 28x28 clothing items in 10 balanced classes, stored in the MNIST IDX format and file names.
 * Debian's {@code dataset-fashion-mnist} installs it in {@code /usr/share/datasets/fashion-mnist}.
 */
public final class FashionMnist {
    /** The number of classes. */
    public static final int NUM_CLASSES = 10;

    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {}

    /**
     * Loads a split from {@code dir} (file names as in {@link Mnist#load}, gzip or not). The dataset is
     * named {@code fashion-mnist-train} or {@code fashion-mnist-test}.
     *
     * @param dir   the directory holding the files
     * @param split TRAIN or TEST
     * @return the dataset
     */
    public static Dataset load(Path dir, Split split) {
        return DataIo.atEdge(dir, () -> MnistFiles.load(dir, split, "fashion-mnist", "Fashion-MNIST"));
    }

    /**
     * The name of class {@code label}, e.g. 9 → "Ankle boot".
     *
     * @param label a class index, 0..9
     * @return its name
     */
    public static String className(int label) {
        Objects.checkIndex(label, NUM_CLASSES);
        return CLASS_NAMES.get(label);
    }
}
