package dev.lipreg.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Cuts a dataset into mini-batches, epoch by epoch. Everything random follows from the seed alone:
 * epoch {@code e}'s order is a function of (seed, e), and the augmentation of batch {@code k} of epoch
 * {@code e} uses a generator seeded from (seed, e, k). So any epoch or batch can be reproduced without
 * replaying the ones before it (resuming a run, or comparing two runs batch by batch).
 *
 * <p>Instances are immutable; {@link #withDropLast} and {@link #withAugmentation} return new ones.
 */
public final class Batcher {
    // Distinct stream constants keep the order and augmentation generators independent.
    private static final long ORDER_STREAM = 0x6F72646572L; // "order"
    private static final long AUGMENT_STREAM = 0x6175676D656EL; // "augmen"

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Augmentation augmentation;

    /**
     * Batches of {@code batchSize} images, shuffled each epoch if {@code shuffle}, keeping the last
     * partial batch and applying no augmentation.
     *
     * @param dataset   the images to batch
     * @param batchSize images per batch, at least 1
     * @param shuffle   whether each epoch visits the images in a new random order
     * @param seed      the seed of the shuffling
     */
    public Batcher(Dataset dataset, int batchSize, boolean shuffle, long seed) {
        this(dataset, batchSize, shuffle, seed, false, null);
    }

    private Batcher(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast,
            Augmentation augmentation) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.augmentation = augmentation;
    }

    /**
     * With {@code dropLast}, a final batch smaller than batchSize is skipped.
     *
     * @param dropLast whether to skip a final partial batch
     * @return a batcher with that setting
     */
    public Batcher withDropLast(boolean dropLast) {
        return new Batcher(dataset, batchSize, shuffle, seed, dropLast, augmentation);
    }

    /**
     * Applies {@code augmentation} to every batch (null for none).
     *
     * @param augmentation the augmentation, or null
     * @return a batcher with that augmentation
     */
    public Batcher withAugmentation(Augmentation augmentation) {
        return new Batcher(dataset, batchSize, shuffle, seed, dropLast, augmentation);
    }

    /** {@return the dataset being batched} */
    public Dataset dataset() {
        return dataset;
    }

    /** {@return the images per batch} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return whether each epoch is shuffled} */
    public boolean shuffle() {
        return shuffle;
    }

    /** {@return the seed of the shuffling} */
    public long seed() {
        return seed;
    }

    /** {@return whether a final partial batch is skipped} */
    public boolean dropLast() {
        return dropLast;
    }

    /**
     * Batches per epoch, counting a final partial batch unless dropLast.
     *
     * @return the batch count
     */
    public int batchesPerEpoch() {
        int count = dataset.count();
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
    }

    /**
     * The order in which epoch {@code epoch} visits the dataset: a permutation of 0..count-1.
     *
     * @param epoch the epoch, from 0
     * @return the permutation
     */
    public int[] order(int epoch) {
        checkEpoch(epoch);
        int count = dataset.count();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix(ORDER_STREAM, epoch, 0));
            for (int i = count - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /**
     * The batches of epoch {@code epoch}, built lazily; every iteration yields the same batches.
     *
     * @param epoch the epoch, from 0
     * @return the batches
     */
    public Iterable<Batch> epoch(int epoch) {
        checkEpoch(epoch);
        return () -> new BatchIterator(epoch, order(epoch));
    }

    /**
     * Batch {@code index} of epoch {@code epoch}, the same as the epoch's iteration yields.
     *
     * @param epoch the epoch, from 0
     * @param index the batch's index in the epoch
     * @return the batch
     */
    public Batch batch(int epoch, int index) {
        Objects.checkIndex(index, batchesPerEpoch());
        return build(epoch, index, order(epoch));
    }

    private Batch build(int epoch, int index, int[] order) {
        int from = index * batchSize;
        int n = Math.min(batchSize, order.length - from);
        int size = dataset.imageSize();
        float[] images = dataset.images();
        int[] labels = dataset.labels();
        float[] x = new float[n * size];
        int[] y = new int[n];
        int[] indices = new int[n];
        for (int k = 0; k < n; k++) {
            int i = order[from + k];
            System.arraycopy(images, i * size, x, k * size, size);
            y[k] = labels[i];
            indices[k] = i;
        }
        int c = dataset.channels();
        int h = dataset.height();
        int w = dataset.width();
        if (augmentation != null) {
            augmentation.apply(x, n, c, h, w, new SplittableRandom(mix(AUGMENT_STREAM, epoch, index)));
        }
        return new Batch(x, y, n, c, h, w, indices);
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int batches = batchesPerEpoch();
        private int next;

        BatchIterator(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has " + batches + " batches");
            }
            return build(epoch, next++, order);
        }
    }

    private static void checkEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
    }

    /** A generator seed for (stream, a, b) under this batcher's seed, via SplitMix64's finalizer. */
    private long mix(long stream, long a, long b) {
        return mix64(mix64(mix64(seed ^ stream) + a) + b);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
