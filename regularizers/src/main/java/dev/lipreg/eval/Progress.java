package dev.lipreg.eval;

/** Receives progress of a long evaluation, e.g. to draw a progress bar: {@code done} of {@code total} work units (images). */
@FunctionalInterface
public interface Progress {

    void update(long done, long total);

    /** Ignores progress. */
    static Progress none() {
        return (done, total) -> {
        };
    }
}
