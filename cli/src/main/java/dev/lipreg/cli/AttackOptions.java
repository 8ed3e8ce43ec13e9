package dev.lipreg.cli;

import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.eval.AttackSettings;
import dev.lipreg.tensor.Norm;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * The command line's attack options: the names and effort of the library's
 * {@link AttackSettings}, checked with messages that name the option.
 */
final class AttackOptions {
    static final String NAMES = AttackSettings.NAMES;

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
            if (!AttackSettings.FIXED.contains(k) && !AttackSettings.MINIMAL.contains(k)) throw BadInputException.of(option, "attacks among " + NAMES, "'" + n + "'");
        }
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
    }

    static boolean supports(String name, Norm norm) {
        return AttackSettings.supports(name, norm);
    }

    static boolean isFixedBudget(String name) {
        return AttackSettings.isFixedBudget(name);
    }

    /** The library's settings of these options (call {@link #validate()} first for option-named messages). */
    AttackSettings settings() {
        return new AttackSettings(pgdSteps, bisectionSteps, cwSteps, boundarySteps, squareQueries, batch);
    }

    FixedBudgetAttack fixedBudget(String name, Norm norm, double eps, long seed) {
        return settings().fixedBudget(name, norm, eps, seed);
    }

    Attack minimal(String name, Norm norm, long seed) {
        return settings().minimal(name, norm, seed);
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
