package dev.lipreg.spark;

/** A setting, checkpoint or dataset that cannot work, found on the driver before any task runs: one line naming what was expected. */
public final class BadSettingException extends RuntimeException {
    public BadSettingException(String message) {
        super(message);
    }

    public BadSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
