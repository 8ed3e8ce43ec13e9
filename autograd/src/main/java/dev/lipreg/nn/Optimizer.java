package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their accumulated gradients. State tensors
 * live in the scope that was current when the optimizer was made (the model's).
 * Call {@link #step()} inside the training step's scope, where the gradients live.
 */
public interface Optimizer {

    void step();

    /** Clears every parameter's gradient. */
    void zeroGrad();

    double learningRate();

    void setLearningRate(double lr);

    /** Named state tensors for checkpoints (momentum buffers, moments, step counts). */
    Map<String, Tensor> state();

    /** Restores {@link #state()}; names and shapes must match. */
    void loadState(Map<String, Tensor> state);
}
