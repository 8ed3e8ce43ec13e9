package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;

import java.nio.file.Path;

/**
 * A dataset file whose declared or actual size would exceed the {@link DataBudget}: refused before
 * the memory is allocated. The message names the file, the bytes needed, the budget and how to raise it.
 */
public final class DataTooLargeException extends BadInputFileException {

    /**
     * A refusal of {@code file}, before anything is allocated.
     *
     * @param file   the file
     * @param detail the bytes needed, the budget and how to raise it
     */
    public DataTooLargeException(Path file, String detail) {
        super(file, file + ": " + detail);
    }
}
