package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link Evaluation} measures: the budgets in each threat norm (an empty
 * list skips that norm), the attacks by name ({@link AttackSettings#NAMES};
 * attacks that do not implement a norm are skipped for it), whether to certify
 * ℓ2 accuracy from a sound Lipschitz bound, the attacks' effort and the seed.
 *
 * @param epsL2       ℓ2 budgets, ascending
 * @param epsLinf     ℓ∞ budgets, ascending
 * @param attacksL2   attack names used for the ℓ2 threat model
 * @param attacksLinf attack names used for the ℓ∞ threat model
 * @param certify     certified ℓ2 accuracy at each ℓ2 budget
 * @param attack      steps, queries and batch size of the attacks
 * @param seed        seed of the randomized attacks (each batch restarts from it)
 */
public record EvalSettings(double[] epsL2, double[] epsLinf, List<String> attacksL2, List<String> attacksLinf, boolean certify,
                           AttackSettings attack, long seed) implements Serializable {

    /** The most budgets per norm: an image's broken flags are one bit per budget in a long. */
    public static final int MAX_BUDGETS = 64;

    /** Checks budgets (finite and > 0, at most {@link #MAX_BUDGETS}) and names; sorts the budgets. */
    public EvalSettings {
        epsL2 = budgets(epsL2, "epsL2");
        epsLinf = budgets(epsLinf, "epsLinf");
        if (epsL2.length + epsLinf.length == 0) throw new IllegalArgumentException("expected at least one budget in epsL2 or epsLinf");
        attacksL2 = AttackSettings.checkNames(attacksL2);
        attacksLinf = AttackSettings.checkNames(attacksLinf);
        if (attack == null) throw new IllegalArgumentException("attack settings must not be null");
    }

    private static double[] budgets(double[] eps, String name) {
        double[] e = eps == null ? new double[0] : eps.clone();
        if (e.length > MAX_BUDGETS) throw new IllegalArgumentException(name + ": at most " + MAX_BUDGETS + " budgets, got " + e.length);
        for (int j = 0; j < e.length; j++) {
            if (!(e[j] > 0) || Double.isInfinite(e[j])) throw new IllegalArgumentException(name + "[" + j + "] must be finite and > 0, got " + e[j]);
        }
        Arrays.sort(e);
        return e;
    }

    /**
     * A builder starting from {@code lipreg eval}'s defaults: ℓ2 0.25, 0.5, 1, 2; ℓ∞ 0.02, 0.05, 0.1; pgd and deepfool;
     * certified; {@link AttackSettings#defaults()}; seed 0.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The budgets of one norm (empty when that norm is skipped).
     *
     * @param n ℓ2 or ℓ∞ (anything but ℓ2 reads as ℓ∞)
     * @return a copy of the budgets, ascending, in input units
     */
    public double[] epsilons(Norm n) {
        return (n == Norm.L2 ? epsL2 : epsLinf).clone();
    }

    /**
     * The attacks run for one norm, in order, {@code ensemble} expanded, those that do not implement the norm left out.
     *
     * @param n ℓ2 or ℓ∞
     * @return the attack names
     */
    public List<String> attacks(Norm n) {
        return AttackSettings.expand(n == Norm.L2 ? attacksL2 : attacksLinf).stream().filter(a -> AttackSettings.supports(a, n)).toList();
    }

    /** {@return every attack named for either norm, each once, {@code ensemble} expanded: for report captions} */
    public List<String> allAttacks() {
        List<String> all = new ArrayList<>(attacksL2);
        for (String a : attacksLinf) if (!all.contains(a)) all.add(a);
        return AttackSettings.expand(all);
    }

    /** Arrays compared by value (records compare arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof EvalSettings s && Arrays.equals(epsL2, s.epsL2) && Arrays.equals(epsLinf, s.epsLinf)
                && attacksL2.equals(s.attacksL2) && attacksLinf.equals(s.attacksLinf) && certify == s.certify
                && attack.equals(s.attack) && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(epsL2) + Arrays.hashCode(epsLinf)) + List.of(attacksL2, attacksLinf, certify, attack, seed).hashCode();
    }

    @Override
    public String toString() {
        return "EvalSettings[epsL2=" + Arrays.toString(epsL2) + ", epsLinf=" + Arrays.toString(epsLinf) + ", attacksL2=" + attacksL2
                + ", attacksLinf=" + attacksLinf + ", certify=" + certify + ", attack=" + attack + ", seed=" + seed + "]";
    }

    /** Builds {@link EvalSettings} by name. */
    public static final class Builder {
        private double[] epsL2 = {0.25, 0.5, 1, 2}, epsLinf = {0.02, 0.05, 0.1};
        private List<String> attacksL2 = List.of("pgd", "deepfool"), attacksLinf = List.of("pgd", "deepfool");
        private boolean certify = true;
        private AttackSettings attack = AttackSettings.defaults();
        private long seed;

        private Builder() {
        }

        /**
         * ℓ2 budgets (none: skip ℓ2).
         *
         * @param eps ℓ2 radii in input units, finite and &gt; 0, at most {@link #MAX_BUDGETS}
         * @return this builder
         */
        public Builder epsL2(double... eps) {
            epsL2 = eps.clone();
            return this;
        }

        /**
         * ℓ∞ budgets (none: skip ℓ∞).
         *
         * @param eps ℓ∞ radii in input units (per-pixel change), finite and &gt; 0, at most {@link #MAX_BUDGETS}
         * @return this builder
         */
        public Builder epsLinf(double... eps) {
            epsLinf = eps.clone();
            return this;
        }

        /**
         * The same attacks for both norms.
         *
         * @param names attack names of {@link AttackSettings#NAMES}
         * @return this builder
         */
        public Builder attacks(String... names) {
            attacksL2 = List.of(names);
            attacksLinf = List.of(names);
            return this;
        }

        /**
         * The attacks of the ℓ2 threat model.
         *
         * @param names attack names of {@link AttackSettings#NAMES}
         * @return this builder
         */
        public Builder attacksL2(String... names) {
            attacksL2 = List.of(names);
            return this;
        }

        /**
         * The attacks of the ℓ∞ threat model.
         *
         * @param names attack names of {@link AttackSettings#NAMES}
         * @return this builder
         */
        public Builder attacksLinf(String... names) {
            attacksLinf = List.of(names);
            return this;
        }

        /**
         * Whether to certify ℓ2 accuracy from a sound Lipschitz bound (default on).
         *
         * @param on true to certify
         * @return this builder
         */
        public Builder certify(boolean on) {
            certify = on;
            return this;
        }

        /**
         * The attacks' effort and batch size.
         *
         * @param settings not null (checked by {@link #build()})
         * @return this builder
         */
        public Builder attack(AttackSettings settings) {
            attack = settings;
            return this;
        }

        /**
         * Seed of the randomized attacks (default 0).
         *
         * @param s the seed; each batch restarts from it
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * The settings, checked.
         *
         * @return the settings, budgets sorted
         * @throws IllegalArgumentException for a bad budget or attack name, no budget at all, or null attack settings
         */
        public EvalSettings build() {
            return new EvalSettings(epsL2, epsLinf, attacksL2, attacksLinf, certify, attack, seed);
        }
    }
}
