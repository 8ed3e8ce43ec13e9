package dev.lipreg.tensor;

/**
 * Training-mode batch norm's backward: the gradients of its input, scale and shift.
 *
 * @param input the gradient of the input, the input's shape
 * @param gamma the gradient of the scale per channel
 * @param beta  the gradient of the shift per channel
 */
public record BatchNormGradients(Tensor input, Tensor gamma, Tensor beta) {
}
