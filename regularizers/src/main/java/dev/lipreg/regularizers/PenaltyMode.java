package dev.lipreg.regularizers;

/** How penalties on ‖∇ₓℓ‖ are differentiated with respect to the weights. */
public sealed interface PenaltyMode {

    /** Double backprop: the gradient norm itself is differentiated (exact, ~2–3× a plain step). */
    record Exact() implements PenaltyMode {
    }

    /**
     * Finite differences (tulip): ‖g_i‖ ≈ (ℓ(x_i + h·d_i) − ℓ(x_i)) / h along the
     * detached unit direction d_i, one extra forward and backward per norm.
     *
     * @param h the step, positive
     */
    record FiniteDifference(double h) implements PenaltyMode {
        /** Checks that {@code h} is finite and positive. */
        public FiniteDifference {
            if (!(h > 0) || Double.isInfinite(h)) throw new IllegalArgumentException("finite-difference step h must be > 0, got " + h);
        }
    }

    /** {@return double backprop} */
    static PenaltyMode exact() {
        return new Exact();
    }

    /**
     * Finite differences with tulip's h = 0.01.
     *
     * @return the mode
     */
    static PenaltyMode finiteDifference() {
        return new FiniteDifference(0.01);
    }
}
