package dev.lipreg.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * A tiny Fashion-MNIST look-alike for end-to-end tests: gzip IDX files of
 * 8x8 images in 10 classes under Debian's file names, where class c lights up
 * row c mod 8 (and column 7 for c ≥ 8) over faint noise, so a small model can
 * learn it in a few steps; plus a tiny CNN spec for such images.
 */
final class TinyData {
    static final int SIZE = 8;

    private TinyData() {
    }

    static Path write(Path dir, int train, int test) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        split(dir, "train", train, 1);
        split(dir, "t10k", test, 2);
        return dir;
    }

    private static void split(Path dir, String prefix, int count, int salt) {
        byte[] pixels = new byte[count * SIZE * SIZE];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int c = i % 10;
            labels[i] = (byte) c;
            for (int r = 0; r < SIZE; r++) {
                for (int col = 0; col < SIZE; col++) {
                    int noise = Math.floorMod((i * 131 + r * 31 + col * 17 + salt * 7) * 2654435761L, 40L) > 20 ? 30 : 5;
                    boolean on = r == c % SIZE || (c >= 8 && col == SIZE - 1);
                    pixels[(i * SIZE + r) * SIZE + col] = (byte) (on ? 200 + noise : noise);
                }
            }
        }
        write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), gzip(ByteBuffer.allocate(16 + pixels.length)
                .putInt(0x803).putInt(count).putInt(SIZE).putInt(SIZE).put(pixels).array()));
        write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzip(ByteBuffer.allocate(8 + count)
                .putInt(0x801).putInt(count).put(labels).array()));
    }

    /** conv 1→4 3x3 pad 1, ReLU, maxpool 2, flatten, linear 64→10: on 8x8 images. */
    static Path cnnSpec(Path file) {
        write(file, """
                {"name": "tiny-cnn", "input": [1, 8, 8], "classes": 10, "layers": [
                  {"type": "conv2d", "in": 1, "out": 4, "kernel": 3, "padding": 1},
                  {"type": "relu"},
                  {"type": "maxpool2d", "kernel": 2},
                  {"type": "flatten"},
                  {"type": "linear", "in": 64, "out": 10}]}
                """.getBytes());
        return file;
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

    static void write(Path file, byte[] content) {
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
