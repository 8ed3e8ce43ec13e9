package dev.lipreg.regularizers;

/** Training produced NaN or infinity; names the epoch, step and quantity, so no garbage is trained on silently. */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int step;

    public TrainingDivergedException(int epoch, int step, String what) {
        super("training diverged at epoch " + epoch + ", step " + step + ": " + what
                + " (lower the learning rate or the penalty weights, or check the input data)");
        this.epoch = epoch;
        this.step = step;
    }

    public int epoch() {
        return epoch;
    }

    public int step() {
        return step;
    }
}
