package dev.lipreg.regularizers;

import dev.lipreg.attacks.LossMaximizer;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The adversarial-training baselines every paper compares with, as
 * {@link Perturbation}s for {@link RobustObjective#withAdversary}: the batch is
 * replaced by loss-maximizing examples within ε, generated with the model in
 * evaluation mode (batch-norm statistics are not disturbed by the attack).
 */
public final class AdversarialTraining {
    private AdversarialTraining() {
    }

    /**
     * PGD-k training (Madry et al.), random start, step 2.5·ε/k; seeded.
     *
     * @param norm    L2 or LINF
     * @param epsilon the budget
     * @param steps   the PGD steps
     * @param seed    the seed of the random starts
     * @return the perturbation
     */
    public static Perturbation pgd(Norm norm, double epsilon, int steps, long seed) {
        return of(LossMaximizer.pgd(norm, epsilon, steps), seed);
    }

    /**
     * FGSM training: one signed (ℓ∞) or normalized (ℓ2) step of size ε.
     *
     * @param norm    L2 or LINF
     * @param epsilon the budget
     * @return the perturbation
     */
    public static Perturbation fgsm(Norm norm, double epsilon) {
        return of(LossMaximizer.fgsm(norm, epsilon), 0);
    }

    static Perturbation of(LossMaximizer maximizer, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return (model, loss, x, labels) -> {
            boolean training = model.isTraining();
            model.eval();
            try {
                Tensor adv = maximizer.maximize(model, loss, x, labels, rng);
                return adv;
            } finally {
                model.train(training);
            }
        };
    }
}
