package dev.lipreg.eval;

import dev.lipreg.attacks.Apgd;
import dev.lipreg.attacks.ApgdTargeted;
import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.BoundaryAttack;
import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Ensemble;
import dev.lipreg.attacks.Fgsm;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.attacks.Square;
import dev.lipreg.tensor.Norm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The attacks of an evaluation by name, and their effort. Fixed-budget attacks
 * ({@link #FIXED}: pgd, fgsm, apgd, apgd-dlr, square, bim, ensemble) give the
 * error at each ε; minimal-distance attacks ({@link #MINIMAL}: deepfool, cw,
 * boundary, and bisect = PGD with bisection over ε) give per-image distances.
 * {@code ensemble} is APGD-CE + APGD-DLR targeted + Square, worst case per
 * image, and brings the strong minimal-distance attacks (bisect, cw, deepfool)
 * with it (docs/evaluation.md).
 *
 * @param pgdSteps       steps of pgd, apgd, apgd-dlr, bim, the ensemble's APGDs and bisect
 * @param bisectionSteps halvings of ε per image for bisect (resolution max ε / 2^steps)
 * @param cwSteps        Adam steps per binary-search step of cw (5 binary steps)
 * @param boundarySteps  steps of the boundary attack
 * @param squareQueries  queries per image of the square attack (alone and in the ensemble)
 * @param batch          images per attack batch; attacks are seeded per batch, so results
 *                       depend on how images are grouped into batches of this size
 */
public record AttackSettings(int pgdSteps, int bisectionSteps, int cwSteps, int boundarySteps, int squareQueries, int batch)
        implements Serializable {

    /** Fixed-budget attack names. */
    public static final List<String> FIXED = List.of("pgd", "fgsm", "apgd", "apgd-dlr", "square", "bim", "ensemble");
    /** Minimal-distance attack names. */
    public static final List<String> MINIMAL = List.of("deepfool", "cw", "boundary", "bisect");
    /** What {@code ensemble} adds for minimal distances: the smallest over these per image. */
    public static final List<String> ENSEMBLE_DISTANCES = List.of("bisect", "cw", "deepfool");
    /** Every name, for messages. */
    public static final String NAMES = "pgd, fgsm, apgd, apgd-dlr, square, bim, ensemble (fixed budget); deepfool, cw, boundary, bisect (minimal distance)";

    /** Checks every count is ≥ 1. */
    public AttackSettings {
        positive("pgdSteps", pgdSteps);
        positive("bisectionSteps", bisectionSteps);
        positive("cwSteps", cwSteps);
        positive("boundarySteps", boundarySteps);
        positive("squareQueries", squareQueries);
        positive("batch", batch);
    }

    /** {@return the defaults of {@code lipreg eval}: 10 PGD steps, 8 halvings, 100 CW steps, 500 boundary steps, 1000 queries, batches of 250} */
    public static AttackSettings defaults() {
        return new AttackSettings(10, 8, 100, 500, 1000, 250);
    }

    /** {@return a builder starting from {@link #defaults()}} */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** {@return a builder starting from these settings} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }

    /**
     * Lower-cased names, each once, checked against {@link #NAMES}.
     *
     * @param names attack names, any case
     * @return the names lower-cased, duplicates dropped, in their first order
     * @throws IllegalArgumentException if {@code names} is null or empty or holds an unknown name
     */
    public static List<String> checkNames(List<String> names) {
        if (names == null || names.isEmpty()) throw new IllegalArgumentException("expected at least one attack of " + NAMES);
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String k = n.toLowerCase(Locale.ROOT);
            if (!FIXED.contains(k) && !MINIMAL.contains(k)) throw new IllegalArgumentException("unknown attack '" + n + "': expected " + NAMES);
            if (!out.contains(k)) out.add(k);
        }
        return List.copyOf(out);
    }

    /**
     * The names with {@code ensemble} followed by its minimal-distance attacks (each name once).
     *
     * @param names checked names (see {@link #checkNames})
     * @return the expanded list
     */
    public static List<String> expand(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (!out.contains(n)) out.add(n);
            if (n.equals("ensemble")) for (String d : ENSEMBLE_DISTANCES) if (!out.contains(d)) out.add(d);
        }
        return List.copyOf(out);
    }

    /**
     * Whether the named attack implements the threat model {@code norm} (cw and boundary are ℓ2 only, bim ℓ∞ only).
     *
     * @param name a checked attack name
     * @param norm the threat model
     * @return false where the attack exists for other norms only
     */
    public static boolean supports(String name, Norm norm) {
        return switch (name) {
            case "cw", "boundary" -> norm == Norm.L2;
            case "bim" -> norm == Norm.LINF;
            default -> true;
        };
    }

    /**
     * Whether the name is a fixed-budget attack (else a minimal-distance one).
     *
     * @param name a checked attack name
     * @return true for the names of {@link #FIXED}
     */
    public static boolean isFixedBudget(String name) {
        return FIXED.contains(name);
    }

    /**
     * The named fixed-budget attack (or bisect's PGD) at budget {@code eps}, with these settings' effort.
     *
     * @param name a name of {@link #FIXED}, or bisect
     * @param norm the threat model
     * @param eps  the perturbation budget, in input units (pixels in [0, 1])
     * @param seed seeds the random starts and queries (fgsm and bim use none)
     * @return the attack
     * @throws IllegalArgumentException if {@code name} is not a fixed-budget attack
     */
    public FixedBudgetAttack fixedBudget(String name, Norm norm, double eps, long seed) {
        return switch (name) {
            case "pgd", "bisect" -> (norm == Norm.L2 ? Pgd.l2(eps, pgdSteps) : Pgd.linf(eps, pgdSteps)).withSeed(seed);
            case "fgsm" -> new Fgsm(norm, eps);
            case "apgd" -> new Apgd(norm, eps, pgdSteps, 1, seed);
            case "apgd-dlr" -> new ApgdTargeted(norm, eps, pgdSteps, 3, seed);
            case "square" -> Square.of(norm, eps, squareQueries, seed);
            case "ensemble" -> Ensemble.standard(norm, eps, pgdSteps, squareQueries, seed);
            case "bim" -> Pgd.bim(eps, pgdSteps);
            default -> throw new IllegalArgumentException(name + " is not a fixed-budget attack: expected one of " + FIXED);
        };
    }

    /**
     * The named minimal-distance attack (not bisect, which {@link Evaluation} runs through {@link Robustness#bisection}).
     *
     * @param name deepfool, cw or boundary
     * @param norm the threat model (cw and boundary are ℓ2 whatever it says)
     * @param seed seeds the boundary attack's random walk
     * @return the attack
     * @throws IllegalArgumentException for any other name
     */
    public Attack minimal(String name, Norm norm, long seed) {
        return switch (name) {
            case "deepfool" -> DeepFool.of(norm);
            case "cw" -> CarliniWagnerL2.defaults().withSearch(5, cwSteps);
            case "boundary" -> BoundaryAttack.of(boundarySteps, seed);
            default -> throw new IllegalArgumentException(name + " is not a minimal-distance attack: expected one of deepfool, cw, boundary");
        };
    }

    /** Builds {@link AttackSettings} by name instead of six numbers in a row. */
    public static final class Builder {
        private int pgdSteps, bisectionSteps, cwSteps, boundarySteps, squareQueries, batch;

        private Builder(AttackSettings s) {
            pgdSteps = s.pgdSteps;
            bisectionSteps = s.bisectionSteps;
            cwSteps = s.cwSteps;
            boundarySteps = s.boundarySteps;
            squareQueries = s.squareQueries;
            batch = s.batch;
        }

        /**
         * Steps of the PGD family.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder pgdSteps(int v) {
            pgdSteps = v;
            return this;
        }

        /**
         * Halvings of ε per image for bisect.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder bisectionSteps(int v) {
            bisectionSteps = v;
            return this;
        }

        /**
         * Adam steps per binary-search step of cw.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder cwSteps(int v) {
            cwSteps = v;
            return this;
        }

        /**
         * Steps of the boundary attack.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder boundarySteps(int v) {
            boundarySteps = v;
            return this;
        }

        /**
         * Queries per image of the square attack.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder squareQueries(int v) {
            squareQueries = v;
            return this;
        }

        /**
         * Images per attack batch.
         *
         * @param v at least 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder batch(int v) {
            batch = v;
            return this;
        }

        /**
         * The settings.
         *
         * @return the settings
         * @throws IllegalArgumentException for a count below 1
         */
        public AttackSettings build() {
            return new AttackSettings(pgdSteps, bisectionSteps, cwSteps, boundarySteps, squareQueries, batch);
        }
    }
}
