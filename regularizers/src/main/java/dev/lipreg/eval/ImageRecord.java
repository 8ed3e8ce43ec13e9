package dev.lipreg.eval;

import java.io.Serializable;
import java.util.List;

/**
 * Everything an evaluation measured on one test image: the unit that
 * {@link EvalPart}s carry between processes and {@link EvalReport.ModelReport#of}
 * merges into the report. Two runs that grouped the images into the same attack
 * batches give equal records (times are kept apart, in the part).
 *
 * @param index           position of the image in the evaluated set
 * @param label           its true class
 * @param correct         whether the model classifies it correctly
 * @param gradL2          ‖∇ₓ ℓ(x, y)‖₂ of the cross-entropy loss
 * @param gradL1          ‖∇ₓ ℓ(x, y)‖₁
 * @param certifiedRadius ℓ2 radius certified by the Lipschitz bound (0 if misclassified; NaN when not certified)
 * @param outcomes        one entry per (norm, attack), in the order the evaluation ran them
 */
public record ImageRecord(int index, int label, boolean correct, double gradL2, double gradL1, double certifiedRadius,
                          List<Outcome> outcomes) implements Serializable {

    /** Copies the outcomes. */
    public ImageRecord {
        outcomes = List.copyOf(outcomes);
    }

    /**
     * One attack's result on the image.
     *
     * @param norm     threat norm label ("l2" or "linf")
     * @param attack   the attack's name as reported
     * @param broken   fixed-budget attacks: bit j set when the attack broke the image at the norm's j-th budget
     *                 (misclassified images are broken at every budget); minimal-distance attacks: the same, from the distance
     * @param distance minimal-distance attacks: the distance found (+∞ if none, 0 if misclassified); NaN for fixed-budget attacks
     */
    public record Outcome(String norm, String attack, long broken, double distance) implements Serializable {

        /**
         * Whether the attack broke the image at budget j.
         *
         * @param j the budget's index in the norm's ascending budgets, 0 … 63
         * @return bit j of {@link #broken()}
         */
        public boolean brokenAt(int j) {
            return (broken >>> j & 1) != 0;
        }

        /** {@return whether the attack reports a minimal distance (else it ran at fixed budgets)} */
        public boolean isMinimalDistance() {
            return !Double.isNaN(distance);
        }
    }
}
