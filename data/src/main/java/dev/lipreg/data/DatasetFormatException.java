package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;

import java.nio.file.Path;

/**
 * A data file that does not match its format: bad magic, wrong dimensions, truncated or trailing
 * data, labels out of range, a corrupt gzip stream. The message names the file, the byte offset and
 * what was expected, e.g. {@code "t10k-labels-idx1-ubyte.gz: offset 0: bad magic 0x00000802, expected
 * 0x00000801 (IDX labels, unsigned byte, 1 dim)"}. Offsets count bytes of the decompressed content
 * (for uncompressed files, bytes of the file).
 *
 * <p>It is unchecked, a {@link BadInputFileException} like every rejected input file (docs/conventions.md,
 * "Errors"): the loaders turn I/O failures into that type at their edge, so callers handle one kind.
 */
public final class DatasetFormatException extends BadInputFileException {
    /** Byte offset of the problem in the decompressed content, or -1. */
    private final long offset;

    /**
     * A problem at {@code offset} (bytes from the start of the decompressed content) of {@code file}.
     *
     * @param file   the file
     * @param offset the byte offset of the problem
     * @param detail what is wrong
     */
    public DatasetFormatException(Path file, long offset, String detail) {
        super(file, file + ": offset " + offset + ": " + detail);
        this.offset = offset;
    }

    /**
     * A problem about the file as a whole, at no particular offset.
     *
     * @param file   the file
     * @param detail what is wrong
     */
    public DatasetFormatException(Path file, String detail) {
        super(file, file + ": " + detail);
        this.offset = -1;
    }

    /**
     * A problem about the file as a whole, with its cause.
     *
     * @param file   the file
     * @param detail what is wrong
     * @param cause  the underlying failure
     */
    public DatasetFormatException(Path file, String detail, Throwable cause) {
        super(file, file + ": " + detail, cause);
        this.offset = -1;
    }

    /**
     * Byte offset of the problem in the decompressed content, or -1 when it concerns the whole file.
     *
     * @return the offset, or -1
     */
    public long offset() {
        return offset;
    }
}
