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

    public BadArgumentException(String message) {
        super(message);
    }

    public BadArgumentException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "ARGUMENT: expected WHAT, got VALUE". */
    public static BadArgumentException of(String argument, String expected, Object got) {
        return new BadArgumentException(argument + ": expected " + expected + ", got " + got);
    }
}
