package dev.lipreg.errors;

/**
 * A value the user supplied — an option, a setting, an entry of a model spec —
 * is invalid. The message names the argument, what was expected and what was
 * given. The CLI reports it as bad input (exit code 2), unlike a plain
 * {@link IllegalArgumentException} from the library's own validation, which
 * inside the CLI means the CLI passed something wrong: a bug, exit code 1.
 * See docs/conventions.md, "Errors".
 */
public class BadArgumentException extends IllegalArgumentException {

    /**
     * An error with a one-line message.
     *
     * @param message what was expected and what was given
     */
    public BadArgumentException(String message) {
        super(message);
    }

    /**
     * An error with a one-line message and its cause.
     *
     * @param message what was expected and what was given
     * @param cause   the underlying failure
     */
    public BadArgumentException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * "ARGUMENT: expected WHAT, got VALUE".
     *
     * @param argument the argument's name as the user wrote it (an option, a parameter)
     * @param expected what is accepted
     * @param got      the value given
     * @return the exception, to throw
     */
    public static BadArgumentException of(String argument, String expected, Object got) {
        return new BadArgumentException(argument + ": expected " + expected + ", got " + got);
    }
}
