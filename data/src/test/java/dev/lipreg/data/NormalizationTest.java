package dev.lipreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NormalizationTest {
    /** Two images, two channels of 1x2: channel 0 holds {0, 1, 0, 1}, channel 1 holds {0.5} everywhere. */
    private static Dataset twoChannel() {
        float[] x = {0f, 1f, 0.5f, 0.5f, 1f, 0f, 0.5f, 0.5f};
        return new Dataset(x, new int[] {0, 1}, 2, 2, 1, 2, 2, "two");
    }

    @Test
    void ofComputesPerChannelMeanAndPopulationStd() {
        Normalization n = Normalization.of(twoChannel());
        assertArrayEquals(new float[] {0.5f, 0.5f}, n.mean());
        // Channel 0: population std 0.5; channel 1 is constant, so std falls back to 1.
        assertArrayEquals(new float[] {0.5f, 1f}, n.std());
    }

    @Test
    void applyReturnsANewStandardizedArray() {
        Dataset d = twoChannel();
        float[] before = d.images().clone();
        float[] z = Normalization.of(d).apply(d);
        assertArrayEquals(new float[] {-1f, 1f, 0f, 0f, 1f, -1f, 0f, 0f}, z);
        assertArrayEquals(before, d.images(), "the dataset must not change");
        assertNotSame(d.images(), z);
    }

    @Test
    void normalizedDataHasZeroMeanAndUnitStd() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[50 * 3 * 4 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        Dataset d = new Dataset(x, new int[50], 50, 3, 4, 4, 1, "rand");
        float[] z = Normalization.of(d).apply(d);
        for (int ch = 0; ch < 3; ch++) {
            double s = 0, s2 = 0;
            for (int i = 0; i < 50; i++) {
                for (int k = 0; k < 16; k++) {
                    double v = z[(i * 3 + ch) * 16 + k];
                    s += v;
                    s2 += v * v;
                }
            }
            assertEquals(0, s / 800, 1e-5);
            assertEquals(1, s2 / 800, 1e-4);
        }
    }

    @Test
    void asAnAugmentationItIgnoresTheGenerator() {
        Normalization n = new Normalization(new float[] {0.25f}, new float[] {0.5f});
        float[] x = {0f, 0.25f, 1f};
        n.apply(x, 1, 1, 1, 3, new SplittableRandom(1));
        assertArrayEquals(new float[] {-0.5f, 0f, 1.5f}, x);
    }

    @Test
    void constants() {
        assertEquals(1, Normalization.FASHION_MNIST.channels());
        assertEquals(1, Normalization.MNIST.channels());
        assertEquals(3, Normalization.CIFAR10.channels());
        assertEquals(3, Normalization.CIFAR100.channels());
        assertEquals(0.2860f, Normalization.FASHION_MNIST.mean()[0]);
        assertEquals(0.3530f, Normalization.FASHION_MNIST.std()[0]);
    }

    @Test
    void isImmutableAndComparesByValue() {
        float[] mean = {0.1f};
        Normalization n = new Normalization(mean, new float[] {0.2f});
        mean[0] = 9f;
        n.mean()[0] = 9f;
        assertEquals(0.1f, n.mean()[0]);
        assertEquals(new Normalization(new float[] {0.1f}, new float[] {0.2f}), n);
        assertEquals(new Normalization(new float[] {0.1f}, new float[] {0.2f}).hashCode(), n.hashCode());
    }

    @Test
    void validation() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new float[] {0f, 0f}, new float[] {1f}));
        assertTrue(e.getMessage().contains("one entry per channel, got 2 and 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0f}, new float[] {0f}));
        assertTrue(e.getMessage().contains("std[0] = 0.0, expected a finite value > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new float[] {Float.NaN}, new float[] {1f}));
        assertTrue(e.getMessage().contains("mean[0] = NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Normalization.CIFAR10.apply(twoChannel()));
        assertTrue(e.getMessage().contains("images have 2 channels, this normalization has 3"), e.getMessage());
        Dataset empty = new Dataset(new float[0], new int[0], 0, 1, 2, 2, 2, "empty");
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(empty));
    }
}
