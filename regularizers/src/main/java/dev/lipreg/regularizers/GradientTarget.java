package dev.lipreg.regularizers;

/** What the penalized input gradient is taken of. */
public enum GradientTarget {
    /** ∇ₓ ℓ(x, y): the papers' default. */
    LOSS,
    /** ∇ₓ of the logit margin z_y − max_{k≠y} z_k: the quantity certified radii depend on. */
    MARGIN
}
