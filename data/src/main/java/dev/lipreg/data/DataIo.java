package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The loaders' edge: every public loader runs its reading here, so a caller sees one unchecked type
 * for a missing, unreadable or malformed file ({@link BadInputFileException}, of which
 * {@link DatasetFormatException} and {@link DataTooLargeException} are kinds) and no checked IOException.
 */
final class DataIo {
    private DataIo() {
    }

    /** Reading that may fail with an I/O error. */
    @FunctionalInterface
    interface Read<T> {
        T run() throws IOException;
    }

    /** Runs {@code read}; an I/O failure becomes a {@link BadInputFileException} naming {@code file} and the reason. */
    static <T> T atEdge(Path file, Read<T> read) {
        try {
            return read.run();
        } catch (NoSuchFileException e) {
            throw new BadInputFileException(file, "no such file: " + e.getMessage(), e);
        } catch (AccessDeniedException e) {
            throw new BadInputFileException(file, "cannot read " + e.getFile() + ": permission denied", e);
        } catch (IOException e) {
            throw new BadInputFileException(file, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
