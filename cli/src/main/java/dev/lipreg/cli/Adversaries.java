package dev.lipreg.cli;

import dev.lipreg.attacks.Fgsm;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.attacks.Norm;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.regularizers.Perturbation;

import java.util.Locale;

/**
 * Adversarial training from {@code --adv}: the batch is replaced by FGSM or
 * PGD examples before the objective is evaluated (Madry et al.).
 */
final class Adversaries {
    static final String FORMS = "pgd:STEPS:EPS[:l2|linf] or fgsm:EPS[:l2|linf]";

    private Adversaries() {
    }

    /** The attack {@code spec} describes; its norm defaults to {@code norm} (the --norm option). */
    static FixedBudgetAttack attack(String option, String spec, String norm, long seed) {
        String[] p = spec.toLowerCase(Locale.ROOT).split(":", -1);
        try {
            return switch (p[0]) {
                case "pgd" -> {
                    if (p.length != 3 && p.length != 4) throw new IllegalArgumentException();
                    int steps = Integer.parseInt(p[1]);
                    double eps = epsilon(p[2]);
                    if (steps < 1) throw new IllegalArgumentException();
                    Norm n = Norm.parse(p.length == 4 ? p[3] : norm);
                    yield (n == Norm.LINF ? Pgd.linf(eps, steps) : Pgd.l2(eps, steps)).withSeed(seed);
                }
                case "fgsm" -> {
                    if (p.length != 2 && p.length != 3) throw new IllegalArgumentException();
                    yield new Fgsm(Norm.parse(p.length == 3 ? p[2] : norm), epsilon(p[1]));
                }
                default -> throw new IllegalArgumentException();
            };
        } catch (IllegalArgumentException e) {
            throw BadInputException.of(option, FORMS + " with STEPS >= 1 and EPS > 0", "'" + spec + "'");
        }
    }

    /** The attack as a training-time perturbation; attacks need evaluation mode, training mode is restored after. */
    static Perturbation perturbation(FixedBudgetAttack attack) {
        return (model, loss, x, labels) -> {
            boolean training = model.isTraining();
            model.eval();
            try {
                return attack.run(model, x, labels).adversarial();
            } finally {
                model.train(training);
            }
        };
    }

    private static double epsilon(String s) {
        double v = Double.parseDouble(s);
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException();
        return v;
    }
}
