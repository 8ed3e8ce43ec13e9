package dev.lipreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final int N = 40, C = 3, H = 5, W = 6;

    /** Distinct nonzero values, so a shifted window identifies its shift. */
    private static float[] batch() {
        float[] x = new float[N * C * H * W];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1 + i;
        }
        return x;
    }

    private static float at(float[] x, int s, int ch, int y, int xx) {
        return x[((s * C + ch) * H + y) * W + xx];
    }

    /** Whether sample s of out is sample s of in shifted by (dy, dx), zeros outside. */
    private static boolean isShift(float[] in, float[] out, int s, int dy, int dx) {
        for (int ch = 0; ch < C; ch++) {
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    int sy = y + dy, sx = xx + dx;
                    float expected = sy >= 0 && sy < H && sx >= 0 && sx < W ? at(in, s, ch, sy, sx) : 0f;
                    if (at(out, s, ch, y, xx) != expected) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void randomCropIsAShiftedWindowWithZerosOutside() {
        int p = 2;
        float[] in = batch();
        float[] out = in.clone();
        new RandomCrop(p).apply(out, N, C, H, W, new SplittableRandom(4));
        assertEquals(in.length, out.length);
        Set<List<Integer>> shifts = new HashSet<>();
        for (int s = 0; s < N; s++) {
            int matches = 0;
            for (int dy = -p; dy <= p; dy++) {
                for (int dx = -p; dx <= p; dx++) {
                    if (isShift(in, out, s, dy, dx)) {
                        matches++;
                        shifts.add(List.of(dy, dx));
                    }
                }
            }
            assertEquals(1, matches, "sample " + s + " must be exactly one shift within the padding");
        }
        assertTrue(shifts.size() > 10, "40 samples should show many of the 25 shifts, saw " + shifts);
    }

    @Test
    void randomCropWithPaddingLargerThanTheImage() {
        float[] in = batch();
        float[] out = in.clone();
        new RandomCrop(10).apply(out, N, C, H, W, new SplittableRandom(2));
        for (int s = 0; s < N; s++) {
            boolean found = false;
            for (int dy = -10; dy <= 10 && !found; dy++) {
                for (int dx = -10; dx <= 10 && !found; dx++) {
                    found = isShift(in, out, s, dy, dx);
                }
            }
            assertTrue(found, "sample " + s);
        }
    }

    @Test
    void randomCropWithoutPaddingIsIdentity() {
        float[] x = batch();
        new RandomCrop(0).apply(x, N, C, H, W, new SplittableRandom(1));
        assertArrayEquals(batch(), x);
    }

    @Test
    void flipTwiceIsIdentity() {
        float[] x = batch();
        HorizontalFlip always = new HorizontalFlip(1);
        always.apply(x, N, C, H, W, new SplittableRandom(1));
        assertEquals(at(batch(), 3, 1, 2, W - 1), at(x, 3, 1, 2, 0));
        always.apply(x, N, C, H, W, new SplittableRandom(2));
        assertArrayEquals(batch(), x);
        new HorizontalFlip(0).apply(x, N, C, H, W, new SplittableRandom(3));
        assertArrayEquals(batch(), x);
    }

    @Test
    void flipHalfMirrorsSomeSamplesAndKeepsTheRest() {
        float[] in = batch();
        float[] x = in.clone();
        new HorizontalFlip().apply(x, N, C, H, W, new SplittableRandom(5));
        int flipped = 0;
        for (int s = 0; s < N; s++) {
            boolean same = true, mirrored = true;
            for (int ch = 0; ch < C; ch++) {
                for (int y = 0; y < H; y++) {
                    for (int xx = 0; xx < W; xx++) {
                        same &= at(x, s, ch, y, xx) == at(in, s, ch, y, xx);
                        mirrored &= at(x, s, ch, y, xx) == at(in, s, ch, y, W - 1 - xx);
                    }
                }
            }
            assertTrue(same ^ mirrored, "sample " + s + " must be either kept or mirrored");
            flipped += mirrored ? 1 : 0;
        }
        assertTrue(flipped > 5 && flipped < 35, "p = 0.5 flipped " + flipped + " of " + N);
    }

    @Test
    void cutoutZeroesExactlyTheExpectedSquare() {
        for (int size : new int[] {1, 2, 3, 4}) {
            float[] x = batch();
            new Cutout(size).apply(x, N, C, H, W, new SplittableRandom(size));
            SplittableRandom replay = new SplittableRandom(size); // Cutout draws cy, then cx, per sample
            for (int s = 0; s < N; s++) {
                int cy = replay.nextInt(H), cx = replay.nextInt(W);
                for (int ch = 0; ch < C; ch++) {
                    for (int y = 0; y < H; y++) {
                        for (int xx = 0; xx < W; xx++) {
                            boolean inside = y >= cy - size / 2 && y < cy - size / 2 + size
                                    && xx >= cx - size / 2 && xx < cx - size / 2 + size;
                            float expected = inside ? 0f : at(batch(), s, ch, y, xx);
                            assertEquals(expected, at(x, s, ch, y, xx),
                                    "size " + size + " sample " + s + " at " + y + "," + xx);
                        }
                    }
                }
            }
        }
    }

    @Test
    void cutoutIsClippedAtTheBorders() {
        // A 1x1 image: the square of size 3 around the only pixel zeroes just that pixel.
        float[] x = {0.5f, 0.7f};
        new Cutout(3).apply(x, 2, 1, 1, 1, new SplittableRandom(0));
        assertArrayEquals(new float[] {0f, 0f}, x);
        // Over many samples of a 4x4 image with size 4, zeroed counts range from 4 (corner) to 16.
        float[] ones = new float[500 * 16];
        Arrays.fill(ones, 1f);
        new Cutout(4).apply(ones, 500, 1, 4, 4, new SplittableRandom(9));
        Set<Integer> zeroCounts = new HashSet<>();
        for (int s = 0; s < 500; s++) {
            int z = 0;
            for (int k = 0; k < 16; k++) {
                z += ones[s * 16 + k] == 0f ? 1 : 0;
            }
            zeroCounts.add(z);
        }
        assertEquals(Set.of(4, 6, 8, 9, 12, 16), zeroCounts);
    }

    @Test
    void composeAppliesInOrderWithOneGenerator() {
        Augmentation crop = new RandomCrop(1);
        Augmentation flip = new HorizontalFlip();
        float[] composed = batch();
        crop.andThen(flip).apply(composed, N, C, H, W, new SplittableRandom(7));
        float[] manual = batch();
        SplittableRandom rng = new SplittableRandom(7);
        crop.apply(manual, N, C, H, W, rng);
        flip.apply(manual, N, C, H, W, rng);
        assertArrayEquals(manual, composed);
        assertEquals(List.of(crop, flip), Compose.of(crop, flip).steps());
    }

    @Test
    void noneLeavesTheBatch() {
        float[] x = batch();
        Augmentation.none().apply(x, N, C, H, W, new SplittableRandom(1));
        assertArrayEquals(batch(), x);
    }

    @Test
    void badArguments() {
        assertEquals("padding must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new RandomCrop(-1)).getMessage());
        assertEquals("p must be in [0,1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> new HorizontalFlip(1.5)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HorizontalFlip(Double.NaN));
        assertEquals("size must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Cutout(0)).getMessage());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Cutout(2).apply(new float[10], 1, 1, 3, 3, new SplittableRandom(1)));
        assertEquals("x has 10 floats, expected n*c*h*w = 1*1*3*3 = 9", e.getMessage());
        assertThrows(NullPointerException.class, () -> Compose.of(new Cutout(1), null));
    }
}
