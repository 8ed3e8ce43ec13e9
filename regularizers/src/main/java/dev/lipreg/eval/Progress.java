package dev.lipreg.eval;

/** Receives progress of a long evaluation, e.g. to draw a progress bar: {@code done} of {@code total} work units (images). */
@FunctionalInterface
public interface Progress {

    /**
     * Called after each batch, from the evaluating thread.
     *
     * @param done  work units finished so far, counted from the start of the evaluation
     * @param total work units of the whole evaluation
     */
    void update(long done, long total);

    /** {@return a receiver that ignores progress} */
    static Progress none() {
        return (done, total) -> {
        };
    }
}
