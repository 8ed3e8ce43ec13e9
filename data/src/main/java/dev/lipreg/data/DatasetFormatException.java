package dev.lipreg.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that does not match its format: bad magic, wrong dimensions, truncated or trailing
 * data, labels out of range, a corrupt gzip stream. The message names the file, the byte offset and
 * what was expected, e.g. {@code "t10k-labels-idx1-ubyte.gz: offset 0: bad magic 0x00000802, expected
 * 0x00000801 (IDX labels, unsigned byte, 1 dim)"}. Offsets count bytes of the decompressed content
 * (for uncompressed files, bytes of the file).
 *
 * <p>It is an {@link IOException}, as {@link java.util.zip.ZipException} is: a corrupt file is a
 * failure to read input, and callers that load data already handle a missing or unreadable file the
 * same way.
 */
public final class DatasetFormatException extends IOException {
    private final transient Path file;
    private final long offset;

    /** A problem at {@code offset} (bytes from the start of the decompressed content) of {@code file}. */
    public DatasetFormatException(Path file, long offset, String detail) {
        super(file + ": offset " + offset + ": " + detail);
        this.file = file;
        this.offset = offset;
    }

    /** A problem about the file as a whole, at no particular offset. */
    public DatasetFormatException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
        this.offset = -1;
    }

    public DatasetFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
        this.offset = -1;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }

    /** Byte offset of the problem in the decompressed content, or -1 when it concerns the whole file. */
    public long offset() {
        return offset;
    }
}
