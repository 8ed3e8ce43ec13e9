package dev.lipreg.tensor;

/**
 * A convolution's input and weight gradients from one output gradient
 * ({@link Backend#conv2dBackward}).
 *
 * @param input  the gradient of the input, the input's shape
 * @param weight the gradient of the weight, the weight's shape
 */
public record Conv2dGradients(Tensor input, Tensor weight) {
}
