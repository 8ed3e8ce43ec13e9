package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
    @TempDir
    Path dir;

    private static final byte[] LABELS = {3, 0, 9, 1, 1};

    private Path file(String name, byte[] raw, boolean gz) {
        return IdxWriter.write(dir.resolve(name + (gz ? ".gz" : "")), raw, gz);
    }

    private static DatasetFormatException assertFormatError(Path file, long offset, IOExceptionRunnable r,
            String... fragments) {
        var e = assertThrows(DatasetFormatException.class, r::run);
        assertEquals(file, e.file());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @FunctionalInterface
    interface IOExceptionRunnable {
        void run() throws IOException;
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void roundTrip(boolean gz) throws IOException {
        byte[] pixels = IdxWriter.pattern(5 * 4 * 3);
        Path images = file("images", IdxWriter.images(5, 4, 3, pixels), gz);
        Path labels = file("labels", IdxWriter.labels(LABELS), gz);

        IdxImages raw = IdxReader.readImages(images);
        assertEquals(5, raw.count());
        assertEquals(4, raw.rows());
        assertEquals(3, raw.cols());
        assertArrayEquals(pixels, raw.pixels());
        assertEquals(pixels[(2 * 4 + 1) * 3 + 2] & 0xFF, raw.pixel(2, 1, 2));
        assertArrayEquals(new int[] {3, 0, 9, 1, 1}, IdxReader.readLabels(labels, 10));

        Dataset d = IdxReader.read(images, labels, 10, "tiny");
        assertEquals(5, d.count());
        assertEquals(1, d.channels());
        assertEquals(4, d.height());
        assertEquals(3, d.width());
        assertEquals("tiny", d.name());
        for (int k = 0; k < pixels.length; k++) {
            assertEquals((pixels[k] & 0xFF) / 255f, d.images()[k]);
        }
        assertArrayEquals(new int[] {3, 0, 9, 1, 1}, d.labels());
    }

    @Test
    void fullByteRangeMapsToUnitInterval() throws IOException {
        byte[] pixels = new byte[256];
        for (int v = 0; v < 256; v++) {
            pixels[v] = (byte) v;
        }
        Path images = file("images", IdxWriter.images(1, 16, 16, pixels), false);
        Path labels = file("labels", IdxWriter.labels(new byte[] {0}), false);
        float[] x = IdxReader.read(images, labels, 10, "ramp").images();
        assertEquals(0f, x[0]);
        assertEquals(1f, x[255]);
        assertEquals(128 / 255f, x[128]);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void zeroImagesOrLabelsAreRejected(boolean gz) {
        // issue 21: an empty set used to train to "loss NaN" and exit 0
        Path images = file("images", IdxWriter.images(0, 28, 28, new byte[0]), gz);
        Path labels = file("labels", IdxWriter.labels(new byte[0]), gz);
        assertFormatError(images, 4, () -> IdxReader.readImages(images), "image count is 0, expected >= 1");
        assertFormatError(labels, 4, () -> IdxReader.read(images, labels, 10, "empty"), "label count is 0, expected >= 1");
    }

    @Test
    void trailingNonGzipBytesAfterTheGzipStreamAreRejected() {
        // issue 21: GZIPInputStream silently ignores bytes after the last member that do not start another one
        byte[] gz = IdxWriter.gzip(IdxWriter.labels(LABELS));
        byte[] withGarbage = Arrays.copyOf(gz, gz.length + 7);
        Arrays.fill(withGarbage, gz.length, withGarbage.length, (byte) 'x');
        Path f = IdxWriter.write(dir.resolve("labels.gz"), withGarbage);
        assertFormatError(f, 13, () -> IdxReader.readLabels(f, 10), "7 trailing bytes after the gzip stream",
                "compressed offset " + gz.length);
    }

    @Test
    void gzipCrcMismatchIsCorrupt() {
        byte[] gz = IdxWriter.gzip(IdxWriter.labels(LABELS));
        gz[gz.length - 8] ^= 1;
        Path f = IdxWriter.write(dir.resolve("labels.gz"), gz);
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(f, 10));
        assertTrue(e.getMessage().contains("corrupt gzip stream (CRC-32 mismatch"), e.getMessage());
    }

    @Test
    void gzipThatExpandsBeyondTheBudgetIsRefusedAfterItsHeader() throws IOException {
        // issue 21: a small gzip file declaring 1.9 million 28x28 images (6 GB as floats) ran out of memory.
        // Only the header is written: the refusal comes before the pixels would be inflated or allocated.
        byte[] header = Arrays.copyOf(IdxWriter.images(1_900_000, 28, 28, new byte[0]), 16);
        Path f = IdxWriter.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxWriter.gzip(header));
        Path labels = file("labels", IdxWriter.labels(new byte[1_900_000]), true);
        String before = System.getProperty(DataBudget.PROPERTY);
        System.setProperty(DataBudget.PROPERTY, "1g");
        try {
            var e = assertThrows(DataTooLargeException.class, () -> IdxReader.read(f, labels, 10, "big"));
            assertTrue(e.getMessage().startsWith(f + ": 1900000 images of 28x28 needs 6.9 GiB (7448000000 bytes) of memory, over the data "
                    + "memory budget of 1.0 GiB"), e.getMessage());
            assertTrue(e.getMessage().contains("-Dlipreg.maxDataBytes=BYTES or LIPREG_MAX_DATA_BYTES=BYTES"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty(DataBudget.PROPERTY);
            else System.setProperty(DataBudget.PROPERTY, before);
        }
    }

    @Test
    void defaultBudgetRefusesTheIssueCaseOnThisHeap() {
        // the default budget (3/4 of the heap) is below 6 GB float pixels unless the heap is over 8 GB
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 8_000_000_000L, "heap over 8 GB");
        byte[] header = Arrays.copyOf(IdxWriter.images(1_900_000, 28, 28, new byte[0]), 16);
        Path f = IdxWriter.write(dir.resolve("big.gz"), IdxWriter.gzip(header));
        Path labels = file("labels", IdxWriter.labels(new byte[1_900_000]), true);
        var e = assertThrows(DataTooLargeException.class, () -> IdxReader.read(f, labels, 10, "big"));
        assertTrue(e.getMessage().contains("over the data memory budget"), e.getMessage());
    }

    @Test
    void budgetSettingIsValidated() {
        System.setProperty(DataBudget.PROPERTY, "lots");
        try {
            var e = assertThrows(IllegalArgumentException.class, DataBudget::bytes);
            assertEquals("-Dlipreg.maxDataBytes: expected a byte count such as 2000000000 or 2g, got 'lots'", e.getMessage());
            System.setProperty(DataBudget.PROPERTY, "3k");
            assertEquals(3072, DataBudget.bytes());
        } finally {
            System.clearProperty(DataBudget.PROPERTY);
        }
    }

    @Test
    void gzipIsDetectedByMagicBytesNotByName() throws IOException {
        byte[] raw = IdxWriter.labels(LABELS);
        Path gzNoSuffix = IdxWriter.write(dir.resolve("labels-plain-name"), IdxWriter.gzip(raw));
        Path rawWithGzSuffix = IdxWriter.write(dir.resolve("labels-raw.gz"), raw);
        assertArrayEquals(IdxReader.readLabels(gzNoSuffix, 10), IdxReader.readLabels(rawWithGzSuffix, 10));
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void badLabelMagic(boolean gz) {
        byte[] raw = IdxWriter.labels(LABELS);
        raw[3] = 2; // 0x00000802: two dims
        Path f = file("t10k-labels-idx1-ubyte", raw, gz);
        assertFormatError(f, 0, () -> IdxReader.readLabels(f, 10),
                "offset 0: bad magic 0x00000802, expected 0x00000801 (IDX labels, unsigned byte, 1 dim)",
                "2 dims");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void imagesWithWrongNumberOfDims(boolean gz) {
        byte[] raw = IdxWriter.images(2, 2, 2, new byte[8]);
        raw[3] = 4;
        Path f = file("images", raw, gz);
        assertFormatError(f, 0, () -> IdxReader.readImages(f), "bad magic 0x00000804, expected 0x00000803",
                "unsigned byte data with 4 dims");
    }

    @Test
    void imagesOfTheWrongElementType() {
        byte[] raw = IdxWriter.images(1, 1, 1, new byte[1]);
        raw[2] = 0x0D;
        Path f = file("images", raw, false);
        assertFormatError(f, 0, () -> IdxReader.readImages(f), "expected 0x00000803", "float data with 3 dims");
    }

    @Test
    void labelFileGivenAsImages() {
        Path f = file("labels", IdxWriter.labels(LABELS), false);
        assertFormatError(f, 0, () -> IdxReader.readImages(f), "bad magic 0x00000801, expected 0x00000803");
    }

    @Test
    void notAnIdxFileAtAll() {
        Path f = file("readme", "hello world, not IDX".getBytes(StandardCharsets.US_ASCII), false);
        assertFormatError(f, 0, () -> IdxReader.readLabels(f, 10), "bad magic", "not an IDX file");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedImageHeader(boolean gz) {
        byte[] raw = Arrays.copyOf(IdxWriter.images(1, 2, 2, new byte[4]), 12);
        Path f = file("images", raw, gz);
        assertFormatError(f, 12, () -> IdxReader.readImages(f), "truncated header", "16-byte header");
    }

    @Test
    void truncatedMagic() {
        Path f = file("images", new byte[] {0, 0}, false);
        assertFormatError(f, 2, () -> IdxReader.readImages(f), "truncated header", "4-byte magic");
        Path empty = file("empty", new byte[0], false);
        assertFormatError(empty, 0, () -> IdxReader.readLabels(empty, 10), "truncated header");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedLabelHeader(boolean gz) {
        byte[] raw = Arrays.copyOf(IdxWriter.labels(LABELS), 6);
        Path f = file("labels", raw, gz);
        assertFormatError(f, 6, () -> IdxReader.readLabels(f, 10), "truncated header", "8-byte header");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedPixelData(boolean gz) {
        // 10 images of 28x28 declared, 7832 pixel bytes present: the file ends at offset 7848.
        byte[] raw = Arrays.copyOf(IdxWriter.images(10, 28, 28, new byte[7840]), 16 + 7832);
        Path f = file("t10k-images-idx3-ubyte", raw, gz);
        assertFormatError(f, 7848, () -> IdxReader.readImages(f),
                "offset 7848: truncated pixel data: expected 7840 bytes after the 16-byte header",
                "7856 bytes in all", "found 7832");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void truncatedLabelData(boolean gz) {
        byte[] raw = Arrays.copyOf(IdxWriter.labels(LABELS), 8 + 3);
        Path f = file("labels", raw, gz);
        assertFormatError(f, 11, () -> IdxReader.readLabels(f, 10), "truncated label data", "expected 5 bytes");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingBytesAfterPixels(boolean gz) {
        byte[] good = IdxWriter.images(2, 3, 3, new byte[18]);
        Path f = file("images", Arrays.copyOf(good, good.length + 5), gz);
        assertFormatError(f, 34, () -> IdxReader.readImages(f), "5 trailing bytes after the pixel data",
                "end at offset 34");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingBytesAfterLabels(boolean gz) {
        byte[] good = IdxWriter.labels(LABELS);
        Path f = file("labels", Arrays.copyOf(good, good.length + 1), gz);
        assertFormatError(f, 13, () -> IdxReader.readLabels(f, 10), "1 trailing bytes after the label data");
    }

    @Test
    void zeroRowsIsRejected() {
        Path f = file("images", IdxWriter.images(3, 0, 28, new byte[0]), false);
        assertFormatError(f, 8, () -> IdxReader.readImages(f), "rows is 0, expected >= 1");
    }

    @Test
    void hugeCountReadAsUnsignedIsRejected() {
        byte[] raw = IdxWriter.labels(LABELS);
        ByteBuffer.wrap(raw).putInt(4, -1);
        Path f = file("labels", raw, false);
        assertFormatError(f, 4, () -> IdxReader.readLabels(f, 10), "label count is 4294967295, expected below 2^31");
    }

    @Test
    void headerPromisingMoreThanAnArrayHoldsIsRejectedBeforeAllocating() {
        Path f = file("images", IdxWriter.images(100000, 1000, 1000, new byte[0]), false);
        assertFormatError(f, 16, () -> IdxReader.readImages(f), "more than a Java array can hold");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void labelOutOfRange(boolean gz) {
        byte[] raw = IdxWriter.labels(new byte[] {1, 2, 10, 3});
        Path f = file("labels", raw, gz);
        assertFormatError(f, 10, () -> IdxReader.readLabels(f, 10), "label 10 (item 2) out of range, expected 0..9");
    }

    @Test
    void labelsAreUnsignedBytes() {
        Path f = file("labels", IdxWriter.labels(new byte[] {(byte) 200}), false);
        assertFormatError(f, 8, () -> IdxReader.readLabels(f, 10), "label 200");
        assertArrayEquals(new int[] {200}, assertDoesNotThrowIO(() -> IdxReader.readLabels(f, 256)));
    }

    private static int[] assertDoesNotThrowIO(IOExceptionSupplier s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @FunctionalInterface
    interface IOExceptionSupplier {
        int[] get() throws IOException;
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void imageAndLabelCountsMustMatch(boolean gz) {
        Path images = file("images", IdxWriter.images(4, 2, 2, new byte[16]), gz);
        Path labels = file("labels", IdxWriter.labels(LABELS), gz);
        assertFormatError(labels, 4, () -> IdxReader.read(images, labels, 10, "x"), "label count 5, expected 4",
                images.toString());
    }

    @Test
    void badNumClassesArgument() {
        Path labels = file("labels", IdxWriter.labels(LABELS), false);
        var e = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(labels, 0));
        assertTrue(e.getMessage().contains("numClasses"), e.getMessage());
    }

    @Test
    void corruptGzipStreamNamesTheFile() {
        byte[] gz = IdxWriter.gzip(IdxWriter.images(4, 8, 8, IdxWriter.pattern(256)));
        for (int k = 12; k < gz.length - 8; k++) {
            gz[k] ^= (byte) 0x5A; // wreck the deflate data, keep the gzip header
        }
        Path f = IdxWriter.write(dir.resolve("train-images-idx3-ubyte.gz"), gz);
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().startsWith(f + ": corrupt gzip stream"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamNamesTheFile() {
        byte[] gz = IdxWriter.gzip(IdxWriter.images(4, 8, 8, IdxWriter.pattern(256)));
        Path f = IdxWriter.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(f));
        assertTrue(e.getMessage().startsWith(f + ": corrupt gzip stream"), e.getMessage());
        assertTrue(e.getMessage().contains("decompressed bytes"), e.getMessage());
    }

    @Test
    void gzipMagicAloneIsACorruptStream() {
        Path f = IdxWriter.write(dir.resolve("stub.gz"), new byte[] {0x1f, (byte) 0x8b});
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(f, 10));
        assertTrue(e.getMessage().contains("corrupt gzip stream"), e.getMessage());
    }

    @Test
    void missingFileIsNoSuchFile() {
        var e = assertThrows(BadInputFileException.class, () -> IdxReader.readImages(dir.resolve("absent")));
        assertTrue(e.getCause() instanceof NoSuchFileException, e.toString());
        assertTrue(e.getMessage().startsWith("no such file: " + dir.resolve("absent")), e.getMessage());
    }

    @Test
    void largeGzipFileInflatesCompletely() throws IOException {
        // Bigger than the inflater's buffers and with a wrong size hint path exercised by concatenation.
        byte[] pixels = IdxWriter.pattern(300 * 28 * 28);
        byte[] raw = IdxWriter.images(300, 28, 28, pixels);
        byte[] half1 = IdxWriter.gzip(Arrays.copyOf(raw, 1000));
        byte[] half2 = IdxWriter.gzip(Arrays.copyOfRange(raw, 1000, raw.length));
        byte[] multiMember = Arrays.copyOf(half1, half1.length + half2.length);
        System.arraycopy(half2, 0, multiMember, half1.length, half2.length);
        Path f = IdxWriter.write(dir.resolve("multi.gz"), multiMember);
        assertArrayEquals(pixels, IdxReader.readImages(f).pixels());
    }
}
