package dev.lipreg.tensor;

/**
 * Max-pool output and, per output element, the INT32 position {@code h * W + w}
 * of the FIRST maximum of its window (row-major) in its input plane.
 *
 * @param values  the pooled values
 * @param indices the positions of the maxima
 */
public record MaxPoolResult(Tensor values, Tensor indices) {
}
