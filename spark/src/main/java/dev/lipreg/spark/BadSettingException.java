package dev.lipreg.spark;

/** A setting, checkpoint or dataset that cannot work, found on the driver before any task runs: one line naming what was expected. */
public final class BadSettingException extends RuntimeException {
    /**
     * A setting that cannot work.
     *
     * @param message one line naming the option, what was expected and what was given
     */
    public BadSettingException(String message) {
        super(message);
    }

    /**
     * A setting that cannot work, found through another exception (e.g. an unreadable checkpoint).
     *
     * @param message one line naming the option, what was expected and what was given
     * @param cause   the underlying exception
     */
    public BadSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
