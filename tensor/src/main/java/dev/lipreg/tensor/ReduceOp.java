package dev.lipreg.tensor;

/** Reductions over chosen axes. The norms reduce |x| (ℓ1), x² then sqrt (ℓ2), max |x| (ℓ∞). */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, NORM_L1, NORM_L2, NORM_LINF
}
