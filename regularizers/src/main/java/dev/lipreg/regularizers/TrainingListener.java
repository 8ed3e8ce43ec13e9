package dev.lipreg.regularizers;

/** Callbacks for progress display, logging and checkpointing. Exceptions thrown here stop training. */
public interface TrainingListener {
    /**
     * Called after every optimizer step.
     *
     * @param step what the step did
     */
    default void onStep(StepReport step) {
    }

    /**
     * Called after every epoch, with its evaluation.
     *
     * @param epoch the epoch's summary
     */
    default void onEpoch(EpochReport epoch) {
    }

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
