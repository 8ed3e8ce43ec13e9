package dev.lipreg.cli;

import dev.lipreg.errors.BadArgumentException;

/**
 * Bad usage or bad input the user can fix: a wrong flag value, a missing or
 * malformed file. The CLI prints the one-line message and exits with code 2.
 */
public final class BadInputException extends BadArgumentException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "OPTION: expected WHAT, got VALUE". */
    public static BadInputException of(String option, String expected, Object got) {
        return new BadInputException(option + ": expected " + expected + ", got " + got);
    }
}
