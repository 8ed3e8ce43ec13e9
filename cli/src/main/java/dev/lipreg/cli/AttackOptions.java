package dev.lipreg.cli;

import dev.lipreg.attacks.Apgd;
import dev.lipreg.attacks.ApgdTargeted;
import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.BoundaryAttack;
import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Ensemble;
import dev.lipreg.attacks.Fgsm;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.attacks.Square;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * Attack names of the command line and their settings. Fixed-budget attacks
 * (pgd, fgsm, apgd, apgd-dlr, square, bim, ensemble) give the error at each ε;
 * minimal-distance attacks (deepfool, cw, boundary, and bisect = PGD with
 * bisection over ε) give per-image distances. {@code ensemble} is APGD-CE +
 * APGD-DLR targeted + Square, worst case per image, and brings the strong
 * minimal-distance attacks (bisect, cw, deepfool) with it.
 */
final class AttackOptions {
    static final List<String> FIXED = List.of("pgd", "fgsm", "apgd", "apgd-dlr", "square", "bim", "ensemble");
    static final List<String> MINIMAL = List.of("deepfool", "cw", "boundary", "bisect");
    /** What {@code ensemble} adds for minimal distances: the smallest over these per image. */
    static final List<String> ENSEMBLE_DISTANCES = List.of("bisect", "cw", "deepfool");
    static final String NAMES = "pgd, fgsm, apgd, apgd-dlr, square, bim, ensemble (fixed budget); deepfool, cw, boundary, bisect (minimal distance)";

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "10", description = "Steps of pgd, apgd, bim and bisect. Default: ${DEFAULT-VALUE}.")
    int pgdSteps;

    @Option(names = "--bisection-steps", paramLabel = "N", defaultValue = "8",
            description = "Halvings of ε per image for bisect (resolution max ε / 2^N). Default: ${DEFAULT-VALUE}.")
    int bisectionSteps;

    @Option(names = "--cw-steps", paramLabel = "N", defaultValue = "100",
            description = "Adam steps per binary-search step of cw (5 binary steps). Default: ${DEFAULT-VALUE}.")
    int cwSteps;

    @Option(names = "--boundary-steps", paramLabel = "N", defaultValue = "500", description = "Steps of the boundary attack. Default: ${DEFAULT-VALUE}.")
    int boundarySteps;

    @Option(names = "--square-queries", paramLabel = "N", defaultValue = "1000",
            description = "Queries per image of the square attack (alone and in the ensemble). Default: ${DEFAULT-VALUE}.")
    int squareQueries = 1000;

    @Option(names = "--attack-batch", paramLabel = "N", defaultValue = "250", description = "Images per attack batch. Default: ${DEFAULT-VALUE}.")
    int batch;

    void validate() {
        positive("--pgd-steps", pgdSteps);
        positive("--bisection-steps", bisectionSteps);
        positive("--cw-steps", cwSteps);
        positive("--boundary-steps", boundarySteps);
        positive("--square-queries", squareQueries);
        positive("--attack-batch", batch);
    }

    private static void positive(String option, int v) {
        if (v < 1) throw BadInputException.of(option, "a count >= 1", v);
    }

    /** Checks a list of attack names (comma separated in the option). */
    static List<String> names(String option, List<String> names) {
        if (names.isEmpty()) throw BadInputException.of(option, "at least one attack of " + NAMES, "none");
        for (String n : names) {
            String k = n.toLowerCase(Locale.ROOT);
            if (!FIXED.contains(k) && !MINIMAL.contains(k)) throw BadInputException.of(option, "attacks among " + NAMES, "'" + n + "'");
        }
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
    }

    /** The names with {@code ensemble} followed by its minimal-distance attacks (each name once). */
    static List<String> expand(List<String> names) {
        List<String> out = new java.util.ArrayList<>();
        for (String n : names) {
            out.add(n);
            if (n.equals("ensemble")) out.addAll(ENSEMBLE_DISTANCES);
        }
        return out.stream().distinct().toList();
    }

    static boolean supports(String name, Norm norm) {
        return switch (name) {
            case "cw", "boundary" -> norm == Norm.L2;
            case "bim" -> norm == Norm.LINF;
            default -> true;
        };
    }

    static boolean isFixedBudget(String name) {
        return FIXED.contains(name);
    }

    FixedBudgetAttack fixedBudget(String name, Norm norm, double eps, long seed) {
        return switch (name) {
            case "pgd", "bisect" -> (norm == Norm.L2 ? Pgd.l2(eps, pgdSteps) : Pgd.linf(eps, pgdSteps)).withSeed(seed);
            case "fgsm" -> new Fgsm(norm, eps);
            case "apgd" -> new Apgd(norm, eps, pgdSteps, 1, seed);
            case "apgd-dlr" -> new ApgdTargeted(norm, eps, pgdSteps, 3, seed);
            case "square" -> Square.of(norm, eps, squareQueries, seed);
            case "ensemble" -> Ensemble.standard(norm, eps, pgdSteps, squareQueries, seed);
            case "bim" -> Pgd.bim(eps, pgdSteps);
            default -> throw new IllegalArgumentException(name + " is not a fixed-budget attack");
        };
    }

    Attack minimal(String name, Norm norm, long seed) {
        return switch (name) {
            case "deepfool" -> DeepFool.of(norm);
            case "cw" -> CarliniWagnerL2.defaults().withSearch(5, cwSteps);
            case "boundary" -> BoundaryAttack.of(boundarySteps, seed);
            default -> throw new IllegalArgumentException(name + " is not a minimal-distance attack");
        };
    }

    /** A threat norm the attacks implement: l2 or linf. */
    static Norm norm(String option, String s) {
        Norm n;
        try {
            n = Norm.parse(s);
        } catch (IllegalArgumentException e) {
            n = Norm.L1;
        }
        if (n == Norm.L1) throw BadInputException.of(option, "l2 or linf", "'" + s + "'");
        return n;
    }

    /**
     * The largest budget accepted: pixels lie in [0, 1], so an ℓ∞ budget of 1 or an ℓ2 budget of √pixels
     * (55 for CIFAR) already reaches every image; far larger values only overflow plot axes (issue 21: 1e200 hung).
     */
    static final double MAX_EPSILON = 1000;

    static double[] epsilons(String option, List<Double> values) {
        double[] e = new double[values.size()];
        for (int i = 0; i < e.length; i++) {
            double v = values.get(i);
            if (!(v > 0) || Double.isInfinite(v)) throw BadInputException.of(option, "budgets ε > 0", v);
            if (v > MAX_EPSILON) throw BadInputException.of(option, "budgets ε <= " + (int) MAX_EPSILON + " (pixels lie in [0, 1])", v);
            e[i] = v;
        }
        java.util.Arrays.sort(e);
        return e;
    }
}
