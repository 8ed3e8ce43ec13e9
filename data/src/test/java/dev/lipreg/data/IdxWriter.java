package dev.lipreg.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds IDX files (and damaged ones) for tests. */
final class IdxWriter {
    private IdxWriter() {}

    /** An IDX image file: magic 0x803, count, rows, cols, then the pixels. */
    static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows)
                .putInt(cols).put(pixels).array();
    }

    /** An IDX label file: magic 0x801, count, then the labels. */
    static byte[] labels(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(IdxReader.LABELS_MAGIC).putInt(labels.length)
                .put(labels).array();
    }

    /** Bytes {@code (7k + k/13) mod 256}: irregular enough that a misplaced byte shows. */
    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int k = 0; k < length; k++) {
            b[k] = (byte) (k * 7 + k / 13);
        }
        return b;
    }

    static byte[] gzip(byte[] raw) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] content) {
        try {
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code raw}, gzip-compressed if {@code gz}. */
    static Path write(Path file, byte[] raw, boolean gz) {
        return write(file, gz ? gzip(raw) : raw);
    }
}
