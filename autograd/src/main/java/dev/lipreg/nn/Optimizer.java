package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their accumulated gradients. State tensors
 * live in the scope that was current when the optimizer was made (the model's).
 * Call {@link #step()} inside the training step's scope, where the gradients live.
 */
public interface Optimizer {

    /** Updates every parameter from its accumulated gradient. */
    void step();

    /** Clears every parameter's gradient. */
    void zeroGrad();

    /** {@return the current learning rate} */
    double learningRate();

    /**
     * Sets the learning rate of the next steps.
     *
     * @param lr the learning rate
     */
    void setLearningRate(double lr);

    /**
     * Named state tensors for checkpoints (momentum buffers, moments, step counts).
     *
     * @return the state, by name
     */
    Map<String, Tensor> state();

    /**
     * Restores {@link #state()}; names and shapes must match.
     *
     * @param state the state, by name
     */
    void loadState(Map<String, Tensor> state);
}
