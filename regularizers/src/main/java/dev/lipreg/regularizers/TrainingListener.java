package dev.lipreg.regularizers;

/** Callbacks for progress display, logging and checkpointing. Exceptions thrown here stop training. */
public interface TrainingListener {
    default void onStep(StepReport step) {
    }

    default void onEpoch(EpochReport epoch) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
