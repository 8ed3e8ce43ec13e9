package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir
    Path dir;

    /** Records with the given label bytes; pixel k of record r is (r * 3 + k) mod 256. */
    private static byte[] records(int[][] labels) {
        int labelBytes = labels.length == 0 ? 1 : labels[0].length;
        int record = labelBytes + 3072;
        byte[] b = new byte[labels.length * record];
        for (int r = 0; r < labels.length; r++) {
            for (int k = 0; k < labelBytes; k++) {
                b[r * record + k] = (byte) labels[r][k];
            }
            for (int k = 0; k < 3072; k++) {
                b[r * record + labelBytes + k] = (byte) (r * 3 + k);
            }
        }
        return b;
    }

    private static float pixel(int record, int k) {
        return ((record * 3 + k) & 0xFF) / 255f;
    }

    @Test
    void cifar10TrainFromBatchesSubdirectory() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("cifar-10-batches-bin"));
        for (int f = 1; f <= 5; f++) {
            IdxWriter.write(sub.resolve("data_batch_" + f + ".bin"), records(new int[][] {{f}, {f + 4}}));
        }
        Dataset d = CifarReader.cifar10(dir, Split.TRAIN);
        assertEquals("cifar10-train", d.name());
        assertEquals(10, d.count());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        assertEquals(10, d.numClasses());
        assertArrayEquals(new int[] {1, 5, 2, 6, 3, 7, 4, 8, 5, 9}, d.labels());
        // Record layout is already CHW: pixel k of a record is image float k.
        float[] second = d.image(1);
        for (int k : new int[] {0, 1, 1023, 1024, 2048, 3071}) {
            assertEquals(pixel(1, k), second[k]);
        }
    }

    @Test
    void cifar10TestFromTheDirectoryItself() throws IOException {
        IdxWriter.write(dir.resolve("test_batch.bin"), records(new int[][] {{0}, {9}, {4}}));
        Dataset d = CifarReader.cifar10(dir, Split.TEST);
        assertEquals("cifar10-test", d.name());
        assertArrayEquals(new int[] {0, 9, 4}, d.labels());
        assertEquals(pixel(2, 3071), d.images()[2 * 3072 + 3071]);
    }

    @Test
    void cifar10MissingBatchIsNamed() {
        IdxWriter.write(dir.resolve("data_batch_1.bin"), records(new int[][] {{1}}));
        var e = assertThrows(BadInputFileException.class, () -> CifarReader.cifar10(dir, Split.TRAIN));
        assertTrue(e.getCause() instanceof NoSuchFileException, e.toString());
        assertTrue(e.getMessage().contains("data_batch_2.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("cifar-10-batches-bin"), e.getMessage());
    }

    @Test
    void cifar100FineAndCoarseLabels() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("cifar-100-binary"));
        IdxWriter.write(sub.resolve("train.bin"), records(new int[][] {{19, 99}, {0, 42}, {7, 0}}));
        Dataset fine = CifarReader.cifar100(dir, Split.TRAIN);
        assertEquals("cifar100-fine-train", fine.name());
        assertEquals(100, fine.numClasses());
        assertArrayEquals(new int[] {99, 42, 0}, fine.labels());
        Dataset coarse = CifarReader.cifar100(dir, Split.TRAIN, CifarFormat.CIFAR100_COARSE);
        assertEquals(20, coarse.numClasses());
        assertArrayEquals(new int[] {19, 0, 7}, coarse.labels());
        assertArrayEquals(fine.images(), coarse.images());
        assertEquals(pixel(1, 5), fine.images()[3072 + 5]);
    }

    @Test
    void cifar100RejectsTheCifar10Format() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CifarReader.cifar100(dir, Split.TEST, CifarFormat.CIFAR10));
        assertTrue(e.getMessage().contains("CIFAR100_FINE or CIFAR100_COARSE"), e.getMessage());
    }

    @Test
    void partialRecordIsNamedWithItsOffset() {
        byte[] whole = records(new int[][] {{1}, {2}});
        Path f = IdxWriter.write(dir.resolve("test_batch.bin"), Arrays.copyOf(whole, whole.length - 100));
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.cifar10(dir, Split.TEST));
        assertEquals(f, e.file());
        assertEquals(3073, e.offset());
        assertTrue(e.getMessage().startsWith(f + ": offset 3073: partial record 1 of 2973 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("3073-byte CIFAR10 record (1 label byte + 3072 pixel bytes)"),
                e.getMessage());
    }

    @Test
    void cifar100FileReadAsCifar10FailsTheRecordSize() {
        Path f = IdxWriter.write(dir.resolve("mixed.bin"), records(new int[][] {{1, 2}, {3, 4}, {5, 6}}));
        var e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(List.of(f), CifarFormat.CIFAR10, "x"));
        assertTrue(e.getMessage().contains("not a multiple of the 3073-byte"), e.getMessage());
    }

    @Test
    void emptyFileIsRejected() {
        Path f = IdxWriter.write(dir.resolve("test_batch.bin"), new byte[0]);
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.cifar10(dir, Split.TEST));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
    }

    @Test
    void cifar10LabelOutOfRange() {
        Path f = IdxWriter.write(dir.resolve("test_batch.bin"), records(new int[][] {{1}, {2}, {10}}));
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.cifar10(dir, Split.TEST));
        assertEquals(2 * 3073, e.offset());
        assertTrue(e.getMessage().startsWith(f + ": offset 6146: label 10 (record 2) out of range, expected 0..9"),
                e.getMessage());
    }

    @Test
    void cifar100BothLabelsAreCheckedWhicheverIsUsed() {
        Path coarseBad = IdxWriter.write(dir.resolve("a.bin"), records(new int[][] {{3, 5}, {20, 5}}));
        var e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(List.of(coarseBad), CifarFormat.CIFAR100_FINE, "x"));
        assertEquals(3074, e.offset());
        assertTrue(e.getMessage().contains("coarse label 20 (record 1) out of range, expected 0..19"), e.getMessage());

        Path fineBad = IdxWriter.write(dir.resolve("b.bin"), records(new int[][] {{3, 100}}));
        e = assertThrows(DatasetFormatException.class,
                () -> CifarReader.read(List.of(fineBad), CifarFormat.CIFAR100_COARSE, "x"));
        assertEquals(1, e.offset());
        assertTrue(e.getMessage().contains("fine label 100 (record 0) out of range, expected 0..99"), e.getMessage());
    }

    @Test
    void gzipCompressedRecordsAreAccepted() throws IOException {
        Path f = IdxWriter.write(dir.resolve("batch.bin.gz"), records(new int[][] {{4}, {5}}), true);
        assertArrayEquals(new int[] {4, 5}, CifarReader.read(List.of(f), CifarFormat.CIFAR10, "gz").labels());
    }
}
