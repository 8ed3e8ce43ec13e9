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

    public BadInputFileException(Path file, String message) {
        this(file, message, null);
    }

    public BadInputFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file that was rejected (null when it has no path, e.g. a stream). */
    public Path file() {
        return file;
    }
}
