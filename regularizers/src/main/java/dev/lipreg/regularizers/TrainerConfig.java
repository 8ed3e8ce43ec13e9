package dev.lipreg.regularizers;

import dev.lipreg.data.Augmentation;

/**
 * How to run training: epochs, batch size, the seed of shuffling and
 * augmentation, and the evaluation batch size.
 */
public record TrainerConfig(int epochs, int batchSize, long seed, Augmentation augmentation, int evalBatchSize) {

    public TrainerConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (evalBatchSize < 1) throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + evalBatchSize);
    }

    public static TrainerConfig of(int epochs, int batchSize, long seed) {
        return new TrainerConfig(epochs, batchSize, seed, null, 500);
    }
}
