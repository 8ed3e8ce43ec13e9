package dev.lipreg.regularizers;

/** Training produced NaN or infinity; names the epoch, step and quantity, so no garbage is trained on silently. */
public final class TrainingDivergedException extends RuntimeException {
    /** The epoch in which training diverged (serialized). */
    private final int epoch;
    /** The step within the epoch (serialized). */
    private final int step;

    /**
     * A non-finite loss or gradient at {@code step} of {@code epoch}.
     *
     * @param epoch the epoch
     * @param step  the step within the epoch
     * @param what  what became non-finite
     */
    public TrainingDivergedException(int epoch, int step, String what) {
        super("training diverged at epoch " + epoch + ", step " + step + ": " + what
                + " (lower the learning rate or the penalty weights, or check the input data)");
        this.epoch = epoch;
        this.step = step;
    }

    /** {@return the epoch in which training diverged} */
    public int epoch() {
        return epoch;
    }

    /** {@return the step within the epoch at which training diverged} */
    public int step() {
        return step;
    }
}
