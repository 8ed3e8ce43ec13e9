package dev.lipreg.bindings;

/**
 * A native library cannot be used in this JVM (native access not enabled, library missing or
 * damaged, no GPU). The message says what to do; callers catch it to fall back to the pure-Java
 * reference backend.
 */
public final class NativeUnavailableException extends RuntimeException {

    /**
     * A native library cannot be used, for the reason given.
     *
     * @param message the reason and how to fix it
     */
    public NativeUnavailableException(String message) {
        super(message);
    }

    /**
     * A native library cannot be used, for the reason given.
     *
     * @param message the reason and how to fix it
     * @param cause   the underlying failure
     */
    public NativeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
