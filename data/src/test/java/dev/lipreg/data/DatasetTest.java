package dev.lipreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DatasetTest {
    /** {@code n} images of 2x2x3 where every float of image i is i / 100 (so i identifies the image). */
    static Dataset numbered(int n, int numClasses) {
        float[] x = new float[n * 12];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(x, i * 12, (i + 1) * 12, i / 100f);
            y[i] = i % numClasses;
        }
        return new Dataset(x, y, n, 2, 2, 3, numClasses, "numbered");
    }

    private static void assertRejected(String fragment, Runnable r) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), "message lacks '" + fragment + "': " + e.getMessage());
    }

    @Test
    void accessors() {
        Dataset d = numbered(5, 3);
        assertEquals(12, d.imageSize());
        assertEquals(5, d.count());
        assertEquals(2, d.channels());
        assertEquals(2, d.height());
        assertEquals(3, d.width());
        assertEquals(3, d.numClasses());
        assertEquals(1, d.label(4));
        assertEquals(0.03f, d.image(3)[11]);
        assertArrayEquals(new int[] {2, 2, 1}, d.classCounts());
        assertEquals("Dataset[numbered: 5 x 2x2x3, 3 classes]", d.toString());
    }

    @Test
    void constructorValidation() {
        assertRejected("images has 11 floats, expected count*channels*height*width = 1*1*3*4 = 12",
                () -> new Dataset(new float[11], new int[1], 1, 1, 3, 4, 2, "d"));
        assertRejected("labels has 2 entries, expected count = 1",
                () -> new Dataset(new float[12], new int[2], 1, 1, 3, 4, 2, "d"));
        assertRejected("labels[1] = 2, expected 0..1",
                () -> new Dataset(new float[24], new int[] {0, 2}, 2, 1, 3, 4, 2, "d"));
        assertRejected("labels[0] = -1", () -> new Dataset(new float[12], new int[] {-1}, 1, 1, 3, 4, 2, "d"));
        assertRejected("channels must be > 0, got 0", () -> new Dataset(new float[0], new int[1], 1, 0, 3, 4, 2, "d"));
        assertRejected("numClasses must be > 0", () -> new Dataset(new float[12], new int[1], 1, 1, 3, 4, 0, "d"));
        assertRejected("count must be >= 0", () -> new Dataset(new float[0], new int[0], -1, 1, 3, 4, 2, "d"));
        float[] bad = new float[12];
        bad[5] = 1.5f;
        assertRejected("images[5] = 1.5, expected a value in [0,1]",
                () -> new Dataset(bad, new int[1], 1, 1, 3, 4, 2, "d"));
        bad[5] = Float.NaN;
        assertRejected("images[5] = NaN", () -> new Dataset(bad, new int[1], 1, 1, 3, 4, 2, "d"));
        assertThrows(NullPointerException.class, () -> new Dataset(null, new int[0], 0, 1, 1, 1, 1, "d"));
    }

    @Test
    void subsetCopiesARange() {
        Dataset d = numbered(6, 4);
        Dataset s = d.subset(2, 5);
        assertEquals(3, s.count());
        assertArrayEquals(new int[] {2, 3, 0}, s.labels());
        assertEquals(0.02f, s.images()[0]);
        assertEquals(0.04f, s.images()[35]);
        s.images()[0] = 0.9f;
        assertEquals(0.02f, d.images()[24], "subset must copy");
        assertEquals(0, d.subset(3, 3).count());
        assertRejected("subset [4, 7) is not within [0, 6]", () -> d.subset(4, 7));
        assertRejected("subset [3, 2)", () -> d.subset(3, 2));
    }

    @Test
    void takeCopiesInOrderWithRepeats() {
        Dataset d = numbered(5, 5);
        Dataset t = d.take(new int[] {4, 0, 4});
        assertArrayEquals(new int[] {4, 0, 4}, t.labels());
        assertEquals(0.04f, t.image(0)[0]);
        assertEquals(0.0f, t.image(1)[0]);
        assertRejected("indices[1] = 5, expected 0..4", () -> d.take(new int[] {0, 5}));
    }

    @Test
    void sampleIsAFixedSeededSubset() {
        Dataset d = numbered(100, 10);
        Dataset a = d.sample(10, 42);
        Dataset b = d.sample(10, 42);
        Dataset c = d.sample(10, 43);
        assertEquals(10, a.count());
        assertArrayEquals(a.images(), b.images());
        assertArrayEquals(a.labels(), b.labels());
        assertNotEquals(Arrays.toString(a.images()), Arrays.toString(c.images()));
        // Distinct images, in original order.
        float prev = -1;
        for (int i = 0; i < a.count(); i++) {
            float id = a.image(i)[0];
            assertTrue(id > prev, "sample must be distinct and ordered");
            prev = id;
        }
        assertEquals(100, d.sample(100, 1).count());
        assertEquals(0, d.sample(0, 1).count());
        assertRejected("sample size n = 101, expected 0..100", () -> d.sample(101, 1));
    }

    @Test
    void sampleIsRoughlyUniform() {
        Dataset d = numbered(20, 2);
        int[] hits = new int[20];
        for (long seed = 0; seed < 2000; seed++) {
            for (float v : d.sample(5, seed).images()) {
                hits[Math.round(v * 100)]++;
            }
        }
        // Each image is expected in 2000 * 5/20 = 500 samples (x12 floats each).
        for (int h : hits) {
            assertEquals(500 * 12, h, 80 * 12);
        }
    }
}
