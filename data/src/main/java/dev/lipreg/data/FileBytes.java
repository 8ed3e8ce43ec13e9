package dev.lipreg.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** Reads a whole file into memory, inflating it when its first bytes are the gzip magic 1f 8b. */
final class FileBytes {
    /** Java arrays cannot be quite {@code Integer.MAX_VALUE} long on common VMs. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private FileBytes() {}

    /** The file's content, decompressed if it is gzip (detected by magic bytes, not by name). */
    static byte[] read(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        return isGzip(raw) ? gunzip(file, raw) : raw;
    }

    static boolean isGzip(byte[] b) {
        return b.length >= 2 && (b[0] & 0xFF) == 0x1f && (b[1] & 0xFF) == 0x8b;
    }

    private static byte[] gunzip(Path file, byte[] raw) throws DatasetFormatException {
        byte[] out = new byte[sizeHint(raw)];
        int n = 0;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
            while (true) {
                if (n == out.length) {
                    // Probe one byte before growing, so an exact size hint costs no extra copy.
                    int b = in.read();
                    if (b < 0) {
                        return out;
                    }
                    out = Arrays.copyOf(out, grow(file, out.length));
                    out[n++] = (byte) b;
                }
                int r = in.read(out, n, out.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            // ZipException, EOFException: a damaged or cut-off stream. n = decompressed bytes recovered.
            throw new DatasetFormatException(file, "corrupt gzip stream (" + e.getMessage()
                    + ") after " + n + " decompressed bytes", e);
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * The gzip trailer's ISIZE (uncompressed size mod 2^32) presizes the buffer, so a normal
     * single-member file inflates with one allocation; it is capped because it is only a hint.
     */
    private static int sizeHint(byte[] raw) {
        if (raw.length < 18) {
            return 1 << 12;
        }
        int k = raw.length - 4;
        long isize = (raw[k] & 0xFFL) | (raw[k + 1] & 0xFFL) << 8 | (raw[k + 2] & 0xFFL) << 16
                | (raw[k + 3] & 0xFFL) << 24;
        long maxByRatio = 1032L * raw.length; // deflate cannot expand by more than ~1032:1
        long hint = Math.min(Math.min(isize, maxByRatio), 1L << 30);
        return (int) Math.max(hint, 1 << 12);
    }

    private static int grow(Path file, int length) throws DatasetFormatException {
        if (length >= MAX_ARRAY) {
            throw new DatasetFormatException(file, "decompressed content exceeds the "
                    + MAX_ARRAY + "-byte array limit");
        }
        return (int) Math.min((long) length * 2, MAX_ARRAY);
    }
}
