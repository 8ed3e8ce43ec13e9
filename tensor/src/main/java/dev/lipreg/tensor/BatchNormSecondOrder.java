package dev.lipreg.tensor;

/**
 * The derivatives of training-mode batch norm's input gradient (see
 * {@link Backend#batchNormDoubleBackward}) against a gradient of it: what double
 * backprop needs from batch norm.
 *
 * @param input      the gradient of the forward's input, its shape
 * @param gradOutput the gradient of the output gradient the backward read, the input's shape
 * @param gamma      the gradient of the scale per channel
 */
public record BatchNormSecondOrder(Tensor input, Tensor gradOutput, Tensor gamma) {
}
