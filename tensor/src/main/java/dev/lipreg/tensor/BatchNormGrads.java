package dev.lipreg.tensor;

/** Gradients of training-mode batch norm with respect to input, scale and shift. */
public record BatchNormGrads(Tensor input, Tensor gamma, Tensor beta) {
}
