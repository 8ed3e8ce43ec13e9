package dev.lipreg.data;

import dev.lipreg.tensor.io.MemoryBudget;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Opens a data file as a stream of its content, inflating it when its first bytes are the gzip
 * magic 1f 8b (see {@link GzipInput}). Readers pull a header first and check what it declares
 * against the file and the {@link DataBudget} before allocating for the rest.
 */
final class FileBytes {
    /** Java arrays cannot be quite {@code Integer.MAX_VALUE} long on common VMs. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private FileBytes() {}

    /** A file's content: a stream and, for an uncompressed file, its length (-1 when gzip). */
    record Content(InputStream in, long length) implements AutoCloseable {
        boolean compressed() {
            return length < 0;
        }

        /** Up to {@code n} bytes: fewer only at the end of the content. */
        byte[] read(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Bytes left in the content, counted without storing them (up to 1 GiB: a gzip bomb is not inflated in full). */
        long drain() throws IOException {
            long n = 0;
            byte[] sink = new byte[1 << 16];
            for (int r; n < 1L << 30 && (r = in.read(sink)) > 0; ) n += r;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    static Content open(Path file) throws IOException {
        long size = Files.size(file);
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        if (!gzip) return new Content(in, size);
        try (in) {
            DataBudget.check(file, size, "the compressed file");
            if (size > MAX_ARRAY) throw new DataTooLargeException(file, "compressed file of " + size + " bytes exceeds the "
                    + MAX_ARRAY + "-byte array limit");
            return new Content(new GzipInput(file, in.readAllBytes()), -1);
        }
    }

    /**
     * The whole content, refused with {@link DataTooLargeException} once it exceeds {@code cap} bytes
     * ({@code what} says why that is the most that fits: it needs {@code perByte} bytes of memory per content byte).
     */
    static byte[] read(Path file, long cap, int perByte) throws IOException {
        try (Content c = open(file)) {
            if (!c.compressed()) {
                if (c.length() > cap) DataBudget.check(file, MemoryBudget.product(c.length(), perByte, 0), "its content, as bytes and floats,");
                if (c.length() > MAX_ARRAY) throw arrayLimit(file, c.length());
                return c.read((int) c.length());
            }
            byte[] out = new byte[(int) Math.min(1 << 16, Math.max(cap, 1))];
            int n = 0;
            while (true) {
                if (n == out.length) {
                    int b = c.in().read(); // probe before growing: an exact fit costs no copy
                    if (b < 0) return out;
                    if (n + 1L > cap) throw DataBudget.exceeded(file, "its content decompresses to more than " + n
                            + " bytes, which as bytes and floats needs more than " + MemoryBudget.human(MemoryBudget.product(n, perByte, 0)));
                    if (n >= MAX_ARRAY) throw arrayLimit(file, n + 1L);
                    out = Arrays.copyOf(out, (int) Math.min(Math.min((long) n * 2, MAX_ARRAY), cap));
                    out[n++] = (byte) b;
                }
                int r = c.in().read(out, n, out.length - n);
                if (r < 0) break;
                n += r;
            }
            return n == out.length ? out : Arrays.copyOf(out, n);
        }
    }

    private static DataTooLargeException arrayLimit(Path file, long bytes) {
        return new DataTooLargeException(file, "content of " + bytes + " bytes exceeds the " + MAX_ARRAY + "-byte array limit");
    }
}
