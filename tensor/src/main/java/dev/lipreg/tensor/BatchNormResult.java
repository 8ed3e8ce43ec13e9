package dev.lipreg.tensor;

/**
 * Training-mode batch norm: the output and the batch mean and biased variance per channel.
 *
 * @param output   the normalized output
 * @param mean     the batch mean per channel
 * @param variance the biased batch variance per channel
 */
public record BatchNormResult(Tensor output, Tensor mean, Tensor variance) {
}
