package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/**
 * An attack that searches within a ball ‖δ‖ ≤ ε (FGSM, PGD, APGD). Budgets may
 * differ per image, so a bisection over ε (minimal distance) runs batched.
 */
public interface FixedBudgetAttack extends Attack {

    /** {@return the budget ε} */
    double epsilon();

    /**
     * The same attack with another budget.
     *
     * @param epsilon the budget
     * @return the new attack
     */
    FixedBudgetAttack withEpsilon(double epsilon);

    /**
     * Untargeted, with budget {@code epsilons[i]} for image i.
     *
     * @param model    the model, in evaluation mode
     * @param images   the images [N, ...] in [0,1]
     * @param labels   their labels [N]
     * @param epsilons one budget per image
     * @return the result per image
     */
    AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons);

    /**
     * Targeted, with budget {@code epsilons[i]} for image i.
     *
     * @param model    the model, in evaluation mode
     * @param images   the images [N, ...] in [0,1]
     * @param targets  the target class of each image [N]
     * @param epsilons one budget per image
     * @return the result per image
     */
    AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons);

    @Override
    default AttackResult run(Module model, Tensor images, Tensor labels) {
        return run(model, images, labels, budgets(images, epsilon()));
    }

    @Override
    default boolean supportsTargeted() {
        return true;
    }

    @Override
    default AttackResult runTargeted(Module model, Tensor images, Tensor targets) {
        return runTargeted(model, images, targets, budgets(images, epsilon()));
    }

    private static double[] budgets(Tensor images, double eps) {
        if (images == null) throw new IllegalArgumentException("images must not be null");
        if (images.rank() < 1) throw new IllegalArgumentException("images must be a batch [N, ...], got a scalar");
        double[] e = new double[images.dim(0)];
        Arrays.fill(e, eps);
        return e;
    }
}
