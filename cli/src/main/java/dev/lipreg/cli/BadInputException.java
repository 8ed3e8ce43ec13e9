package dev.lipreg.cli;

import dev.lipreg.errors.BadArgumentException;

/**
 * Bad usage or bad input the user can fix: a wrong flag value, a missing or
 * malformed file. The CLI prints the one-line message and exits with code 2.
 */
public final class BadInputException extends BadArgumentException {
    /**
     * A failure the CLI reports as its one-line message.
     *
     * @param message what was wrong and what was expected, e.g. "--epochs: expected a count &gt;= 1, got 0"
     */
    public BadInputException(String message) {
        super(message);
    }

    /**
     * A failure caused by another exception (e.g. an unreadable file); the message is still what the user sees.
     *
     * @param message what was wrong and what was expected
     * @param cause   the underlying exception, shown with --stacktrace
     */
    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The standard message "OPTION: expected WHAT, got VALUE".
     *
     * @param option   the flag or input at fault, e.g. "--lr"
     * @param expected what it must be, e.g. "a count &gt;= 1"
     * @param got      the value given
     * @return the exception, to throw
     */
    public static BadInputException of(String option, String expected, Object got) {
        return new BadInputException(option + ": expected " + expected + ", got " + got);
    }
}
