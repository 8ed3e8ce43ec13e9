package dev.lipreg.errors;

import java.nio.file.Path;

/**
 * A file the user supplied (checkpoint, data set, model spec) is missing,
 * unreadable or malformed. The message names the file and what was expected;
 * when it is thrown nothing from the file has been used. The CLI reports it as
 * bad input (exit code 2). See docs/conventions.md, "Errors".
 */
public class BadInputFileException extends RuntimeException {
    private final transient Path file;

    /**
     * An error about {@code file}.
     *
     * @param file    the rejected file, or null when it has no path
     * @param message the problem, naming the file
     */
    public BadInputFileException(Path file, String message) {
        this(file, message, null);
    }

    /**
     * An error about {@code file}, with its cause.
     *
     * @param file    the rejected file, or null when it has no path
     * @param message the problem, naming the file
     * @param cause   the underlying failure
     */
    public BadInputFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /**
     * The file that was rejected (null when it has no path, e.g. a stream).
     *
     * @return the file, or null
     */
    public Path file() {
        return file;
    }
}
