package dev.lipreg.regularizers;

/** How per-example gradient norms n_i = ‖g_i‖ become one penalty (docs/method.md §1). */
public enum PenaltyKind {
    /** weight · max_i n_i: the batch estimate of the Lipschitz constant of the loss. */
    LIPSCHITZ("lip"),
    /** weight · mean_i n_i: total variation of the loss. */
    TOTAL_VARIATION("tv"),
    /** (weight / 2) · mean_i n_i²: Tikhonov / tulip. */
    SQUARED("sq");

    private final String label;

    PenaltyKind(String label) {
        this.label = label;
    }

    /** {@return the short name used in labels, e.g. "lip"} */
    public String label() {
        return label;
    }
}
