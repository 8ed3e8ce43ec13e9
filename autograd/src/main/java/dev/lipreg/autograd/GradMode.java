package dev.lipreg.autograd;

/**
 * Whether ops record the graph on this thread. Recording is on by default;
 * {@link #disabled()} turns it off for inference and evaluation, and
 * {@link Autograd#grad} turns it on or off for the backward pass according to
 * {@code createGraph}.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private GradMode() {
    }

    /** {@return whether ops are recorded on this thread} */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /**
     * Stops recording until the returned handle is closed.
     *
     * @return the handle that restores the previous mode
     */
    public static Restore disabled() {
        return set(false);
    }

    /**
     * Sets recording on or off until the returned handle is closed.
     *
     * @param enabled whether to record
     * @return the handle that restores the previous mode
     */
    public static Restore set(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return () -> flag[0] = previous;
    }

    /** Restores the previous mode; for try-with-resources. */
    public interface Restore extends AutoCloseable {
        @Override
        void close();
    }
}
