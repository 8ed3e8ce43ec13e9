package dev.lipreg.tensor;

/** Reductions over chosen axes. The norms reduce |x| (ℓ1), x² then sqrt (ℓ2), max |x| (ℓ∞). */
public enum ReduceOp {
    /** Σ x over the reduced axes. */
    SUM,
    /** Σ x divided by the number of reduced elements. */
    MEAN,
    /** The largest x over the reduced axes. */
    MAX,
    /** The smallest x over the reduced axes. */
    MIN,
    /** ℓ1 norm: Σ |x|. */
    NORM_L1,
    /** ℓ2 norm: sqrt(Σ x²). */
    NORM_L2,
    /** ℓ∞ norm: max |x|. */
    NORM_LINF
}
