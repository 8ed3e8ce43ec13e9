package dev.lipreg.tensor;

/**
 * Max-pool output and, per output element, the INT32 position {@code h * W + w}
 * of the FIRST maximum of its window (row-major) in its input plane.
 */
public record MaxPoolResult(Tensor values, Tensor indices) {
}
