package dev.lipreg.cli;

import dev.lipreg.tensor.Norm;
import dev.lipreg.regularizers.AdversarialTraining;
import dev.lipreg.regularizers.Perturbation;

import java.util.Locale;

/**
 * Adversarial training from {@code --adv}: each batch is replaced by
 * loss-maximizing PGD or FGSM examples before the objective is evaluated
 * (Madry et al.), see {@link AdversarialTraining}.
 */
final class Adversaries {
    static final String FORMS = "pgd:STEPS:EPS[:l2|linf] or fgsm:EPS[:l2|linf]";

    private Adversaries() {
    }

    /** The perturbation {@code spec} describes; its norm defaults to {@code norm} (the --norm option). */
    static Perturbation parse(String option, String spec, String norm, long seed) {
        String[] p = spec.toLowerCase(Locale.ROOT).split(":", -1);
        try {
            return switch (p[0]) {
                case "pgd" -> {
                    if (p.length != 3 && p.length != 4) throw new IllegalArgumentException();
                    int steps = Integer.parseInt(p[1]);
                    if (steps < 1) throw new IllegalArgumentException();
                    yield AdversarialTraining.pgd(Norm.parse(p.length == 4 ? p[3] : norm), epsilon(p[2]), steps, seed);
                }
                case "fgsm" -> {
                    if (p.length != 2 && p.length != 3) throw new IllegalArgumentException();
                    yield AdversarialTraining.fgsm(Norm.parse(p.length == 3 ? p[2] : norm), epsilon(p[1]));
                }
                default -> throw new IllegalArgumentException();
            };
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(option, FORMS + " with STEPS >= 1 and 0 < EPS <= 1000", "'" + spec + "'");
        }
    }

    private static double epsilon(String s) {
        double v = Double.parseDouble(s);
        if (!(v > 0) || v > AttackOptions.MAX_EPSILON) throw new IllegalArgumentException();
        return v;
    }
}
