package dev.lipreg.tensor;

/** Training-mode batch norm: the output and the batch mean and biased variance per channel. */
public record BatchNormResult(Tensor output, Tensor mean, Tensor variance) {
}
