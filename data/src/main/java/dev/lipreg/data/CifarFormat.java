package dev.lipreg.data;

/**
 * The CIFAR binary record layouts: label byte(s) followed by 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, each a row-major 32x32 plane, i.e. already CHW). CIFAR-100 records carry two labels,
 * coarse (20 superclasses) then fine (100 classes); the format says which one becomes the label.
 */
public enum CifarFormat {
    /** CIFAR-10: one label byte, 10 classes. */
    CIFAR10(1, 0, 10),
    /** CIFAR-100 with its 100 fine labels (the second label byte). */
    CIFAR100_FINE(2, 1, 100),
    /** CIFAR-100 with its 20 coarse labels (the first label byte). */
    CIFAR100_COARSE(2, 0, 20);

    /** Pixel bytes per record: 3 channels of 32 × 32. */
    public static final int IMAGE_BYTES = 3 * 32 * 32;

    private final int labelBytes;
    private final int labelIndex;
    private final int numClasses;

    CifarFormat(int labelBytes, int labelIndex, int numClasses) {
        this.labelBytes = labelBytes;
        this.labelIndex = labelIndex;
        this.numClasses = numClasses;
    }

    /**
     * Label bytes at the start of each record.
     *
     * @return the label byte count
     */
    public int labelBytes() {
        return labelBytes;
    }

    /**
     * Bytes per record: label bytes + 3072 pixel bytes.
     *
     * @return the record size
     */
    public int recordBytes() {
        return labelBytes + IMAGE_BYTES;
    }

    /**
     * Classes of the label this format selects.
     *
     * @return the class count
     */
    public int numClasses() {
        return numClasses;
    }

    /** Which label byte of a record becomes the dataset label. */
    int labelIndex() {
        return labelIndex;
    }

    /** Exclusive upper bound of label byte {@code k}; both CIFAR-100 labels are checked whichever is used. */
    int labelLimit(int k) {
        if (labelBytes == 1) {
            return 10;
        }
        return k == 0 ? 20 : 100;
    }

    boolean isCifar100() {
        return labelBytes == 2;
    }
}
