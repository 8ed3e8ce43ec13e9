package dev.lipreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BatcherTest {
    private final Dataset data = DatasetTest.numbered(23, 5);

    private static List<Batch> collect(Iterable<Batch> epoch) {
        List<Batch> out = new ArrayList<>();
        epoch.forEach(out::add);
        return out;
    }

    private static int[] concatIndices(List<Batch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void anEpochCoversEveryIndexExactlyOnce() {
        Batcher batcher = new Batcher(data, 5, true, 11);
        for (int epoch = 0; epoch < 4; epoch++) {
            List<Batch> batches = collect(batcher.epoch(epoch));
            assertEquals(5, batches.size());
            assertEquals(List.of(5, 5, 5, 5, 3), batches.stream().map(Batch::n).toList());
            int[] seen = concatIndices(batches);
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            int[] all = new int[23];
            Arrays.setAll(all, i -> i);
            assertArrayEquals(all, sorted);
            assertArrayEquals(batcher.order(epoch), seen);
        }
    }

    @Test
    void batchesHoldTheImagesAndLabelsOfTheirIndices() {
        for (Batch b : new Batcher(data, 4, true, 5).epoch(2)) {
            assertEquals(2, b.c());
            assertEquals(2, b.h());
            assertEquals(3, b.w());
            assertEquals(b.n() * 12, b.x().length);
            for (int k = 0; k < b.n(); k++) {
                int i = b.indices()[k];
                assertEquals(data.label(i), b.y()[k]);
                assertArrayEquals(data.image(i), Arrays.copyOfRange(b.x(), k * 12, (k + 1) * 12));
            }
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameOrderIndependentOfHistory() {
        Batcher a = new Batcher(data, 4, true, 99);
        collect(a.epoch(0));
        collect(a.epoch(1));
        int[] afterHistory = concatIndices(collect(a.epoch(2)));
        int[] fresh = concatIndices(collect(new Batcher(data, 4, true, 99).epoch(2)));
        assertArrayEquals(fresh, afterHistory);
        // Iterating the same Iterable twice gives the same batches.
        Iterable<Batch> e3 = a.epoch(3);
        assertArrayEquals(concatIndices(collect(e3)), concatIndices(collect(e3)));
    }

    @Test
    void epochsAndSeedsDiffer() {
        Batcher a = new Batcher(data, 4, true, 99);
        assertFalse(Arrays.equals(a.order(0), a.order(1)));
        assertFalse(Arrays.equals(a.order(0), new Batcher(data, 4, true, 100).order(0)));
    }

    @Test
    void withoutShuffleTheOrderIsTheDatasetOrder() {
        int[] order = new Batcher(data, 7, false, 1).order(5);
        for (int i = 0; i < order.length; i++) {
            assertEquals(i, order[i]);
        }
    }

    @Test
    void dropLastSkipsThePartialBatch() {
        Batcher b = new Batcher(data, 5, true, 3).withDropLast(true);
        assertTrue(b.dropLast());
        assertEquals(4, b.batchesPerEpoch());
        List<Batch> batches = collect(b.epoch(0));
        assertEquals(4, batches.size());
        assertTrue(batches.stream().allMatch(x -> x.n() == 5));
        assertEquals(0, collect(new Batcher(data, 50, true, 3).withDropLast(true).epoch(0)).size());
        assertEquals(1, collect(new Batcher(data, 50, true, 3).epoch(0)).size());
        assertEquals(23, new Batcher(data, 23, true, 3).withDropLast(true).batch(0, 0).n());
    }

    @Test
    void iteratorEndsCleanly() {
        var it = new Batcher(data, 23, false, 0).epoch(0).iterator();
        assertTrue(it.hasNext());
        it.next();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void randomAccessBatchEqualsTheIteratedOne() {
        Batcher b = new Batcher(data, 6, true, 8).withAugmentation(new Cutout(1));
        List<Batch> batches = collect(b.epoch(1));
        for (int k = 0; k < batches.size(); k++) {
            assertArrayEquals(batches.get(k).x(), b.batch(1, k).x());
            assertArrayEquals(batches.get(k).indices(), b.batch(1, k).indices());
        }
        assertThrows(IndexOutOfBoundsException.class, () -> b.batch(1, 4));
    }

    @Test
    void augmentationIsDeterministicPerSeedEpochAndBatch() {
        Augmentation aug = Compose.of(new RandomCrop(1), new HorizontalFlip(), new Cutout(1));
        Batcher a = new Batcher(data, 6, false, 21).withAugmentation(aug);
        Batcher same = new Batcher(data, 6, false, 21).withAugmentation(aug);
        assertArrayEquals(a.batch(2, 1).x(), same.batch(2, 1).x());
        // Without shuffling the images are the same, so any difference is the augmentation's randomness.
        assertFalse(Arrays.equals(a.batch(2, 1).x(), a.batch(3, 1).x()));
        assertFalse(Arrays.equals(a.batch(2, 1).x(),
                new Batcher(data, 6, false, 22).withAugmentation(aug).batch(2, 1).x()));
    }

    @Test
    void augmentationDoesNotTouchTheDataset() {
        float[] before = data.images().clone();
        collect(new Batcher(data, 4, true, 1).withAugmentation(new Cutout(2)).epoch(0));
        assertArrayEquals(before, data.images());
    }

    @Test
    void badArguments() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Batcher(data, 0, true, 1));
        assertEquals("batchSize must be > 0, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batcher(data, 4, true, 1).epoch(-1));
        assertEquals("epoch must be >= 0, got -1", e.getMessage());
        assertThrows(NullPointerException.class, () -> new Batcher(null, 4, true, 1));
    }

    @Test
    void batchRecordValidates() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(new float[4], new int[1], 2, 1, 1, 2, new int[2]));
        assertEquals("y has 1 and indices 2 entries, expected n = 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(new float[5], new int[2], 2, 1, 1, 2, new int[2]));
        assertTrue(e.getMessage().contains("x has 5 floats, expected n*c*h*w = 2*1*1*2 = 4"), e.getMessage());
    }
}
