package dev.lipreg.regularizers;

import dev.lipreg.data.Augmentation;

/**
 * How to run training: epochs, batch size, the seed of shuffling and
 * augmentation, and the evaluation batch size.
 *
 * <pre>{@code
 * TrainerConfig config = TrainerConfig.builder().epochs(10).batchSize(128).seed(7).build();
 * }</pre>
 *
 * @param epochs        number of passes over the training set, at least 1
 * @param batchSize     examples per step, at least 1
 * @param seed          seed of the shuffling and of the augmentation
 * @param augmentation  applied to each training batch, or null for none
 * @param evalBatchSize examples per forward pass of the per-epoch evaluation
 */
public record TrainerConfig(int epochs, int batchSize, long seed, Augmentation augmentation, int evalBatchSize) {

    /** Checks every field. */
    public TrainerConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (evalBatchSize < 1) throw new IllegalArgumentException("evaluation batch size must be >= 1, got " + evalBatchSize);
    }

    /**
     * No augmentation, evaluation batches of 500. Prefer {@link #builder()}, which names each number.
     *
     * @param epochs    passes over the training set
     * @param batchSize examples per step
     * @param seed      the seed of shuffling
     * @return the configuration
     */
    public static TrainerConfig of(int epochs, int batchSize, long seed) {
        return new TrainerConfig(epochs, batchSize, seed, null, 500);
    }

    /**
     * Named settings; defaults: 1 epoch, batch 128, seed 0, no augmentation, evaluation batch 500.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Named settings of a {@link TrainerConfig}. */
    public static final class Builder {
        private int epochs = 1, batchSize = 128, evalBatchSize = 500;
        private long seed;
        private Augmentation augmentation;

        private Builder() {
        }

        /**
         * Passes over the training set; default 1.
         *
         * @param epochs the epochs, at least 1
         * @return this builder
         */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /**
         * Examples per step; default 128.
         *
         * @param batchSize the batch size, at least 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Seed of shuffling and augmentation; default 0.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Augmentation of each training batch; default none.
         *
         * @param augmentation the augmentation, or null for none
         * @return this builder
         */
        public Builder augmentation(Augmentation augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /**
         * Examples per forward pass of the per-epoch evaluation; default 500.
         *
         * @param evalBatchSize the batch size of evaluation, at least 1
         * @return this builder
         */
        public Builder evalBatchSize(int evalBatchSize) {
            this.evalBatchSize = evalBatchSize;
            return this;
        }

        /** {@return the checked configuration} */
        public TrainerConfig build() {
            return new TrainerConfig(epochs, batchSize, seed, augmentation, evalBatchSize);
        }
    }
}
