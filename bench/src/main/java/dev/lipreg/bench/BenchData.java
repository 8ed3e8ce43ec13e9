package dev.lipreg.bench;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The batches both sides of the comparison step through: the first {@code count}
 * consecutive batches of the Fashion-MNIST training set when {@code dir} holds it
 * (as compare.py reads them), else seeded uniform noise with random labels.
 *
 * Images of another shape (the CIFAR-shaped workloads) are always noise.
 *
 * @param images per batch, [batch,C,H,W] floats in [0,1]
 * @param labels per batch, [batch] labels in [0,10)
 * @param source where the images came from, for the report
 * @param image  the image shape [C,H,W]
 */
public record BenchData(float[][] images, int[][] labels, int batch, String source, int[] image) {
    public static final int[] IMAGE = {1, 28, 28};
    public static final int CLASSES = 10;

    public static BenchData load(Path dir, int batch, int count, long seed) {
        return load(dir, IMAGE, batch, count, seed);
    }

    public static BenchData load(Path dir, int[] image, int batch, int count, long seed) {
        if (batch < 1 || count < 1) throw new IllegalArgumentException("batch and count must be >= 1, got " + batch + " and " + count);
        int need = batch * count, size = image[0] * image[1] * image[2];
        boolean fashion = Arrays.equals(image, IMAGE);
        if (fashion && dir != null && Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                || fashion && dir != null && Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"))) {
            Dataset d = FashionMnist.load(dir, Split.TRAIN);
            if (d.count() >= need) {
                float[][] x = new float[count][];
                int[][] y = new int[count][];
                for (int b = 0; b < count; b++) {
                    x[b] = Arrays.copyOfRange(d.images(), b * batch * size, (b + 1) * batch * size);
                    y[b] = Arrays.copyOfRange(d.labels(), b * batch, (b + 1) * batch);
                }
                return new BenchData(x, y, batch, "fashion-mnist train[0:" + need + "]", IMAGE);
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] x = new float[count][batch * size];
        int[][] y = new int[count][batch];
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < x[b].length; i++) x[b][i] = (float) rng.nextDouble();
            for (int i = 0; i < batch; i++) y[b][i] = rng.nextInt(CLASSES);
        }
        return new BenchData(x, y, batch, "uniform noise " + image[0] + "x" + image[1] + "x" + image[2] + " (seed " + seed + ")", image.clone());
    }

    /** The image shape of a model preset's workload: 1x28x28 (Fashion-MNIST) for fashion-cnn and mlp, else 3x32x32 (CIFAR). */
    public static int[] imageFor(String model) {
        return model.equals("fashion-cnn") || model.equals("mlp") ? IMAGE.clone() : new int[]{3, 32, 32};
    }

    public int count() {
        return images.length;
    }
}
