package dev.lipreg.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset file whose declared or actual size would exceed the {@link DataBudget}: refused before
 * the memory is allocated. The message names the file, the bytes needed, the budget and how to raise it.
 */
public final class DataTooLargeException extends IOException {
    private final transient Path file;

    public DataTooLargeException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    /** The file that would not fit. */
    public Path file() {
        return file;
    }
}
