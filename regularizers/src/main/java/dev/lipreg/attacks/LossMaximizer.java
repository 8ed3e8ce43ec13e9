package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Adversarial examples for adversarial training (Madry et al.): projected
 * gradient ascent on the loss inside the ε-ball ∩ [0,1] for a fixed number of
 * steps, from a random start. Unlike {@link Pgd}, an evaluation attack that
 * stops at the first misclassification, it keeps raising the loss of every
 * image, misclassified or not, as the training baseline does. FGSM training is
 * one step of size ε without random start.
 *
 * @param norm        L2 or LINF
 * @param epsilon     the budget
 * @param steps       the steps
 * @param stepSize    the step size
 * @param randomStart whether to start from a random point of the ball
 */
public record LossMaximizer(Norm norm, double epsilon, int steps, double stepSize, boolean randomStart) {

    /** Checks every setting. */
    public LossMaximizer {
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (!(stepSize > 0)) throw new IllegalArgumentException("step size must be > 0, got " + stepSize);
    }

    /**
     * PGD-k with Madry's step 2.5·ε/k and a random start.
     *
     * @param norm    L2 or LINF
     * @param epsilon the budget
     * @param steps   the steps
     * @return the maximizer
     */
    public static LossMaximizer pgd(Norm norm, double epsilon, int steps) {
        return new LossMaximizer(norm, epsilon, steps, 2.5 * epsilon / steps, true);
    }

    /**
     * FGSM training: one step of size ε from x.
     *
     * @param norm    L2 or LINF
     * @param epsilon the budget
     * @return the maximizer
     */
    public static LossMaximizer fgsm(Norm norm, double epsilon) {
        return new LossMaximizer(norm, epsilon, 1, epsilon, false);
    }

    /**
     * The adversarial batch, detached, in the current scope.
     *
     * @param model  the model
     * @param loss   the loss to increase
     * @param x      the clean batch
     * @param labels its labels
     * @param rng    the generator of the random start
     * @return the adversarial batch
     */
    public Tensor maximize(Module model, Loss loss, Tensor x, Tensor labels, SplittableRandom rng) {
        Inputs.checkModel(model, x);
        Backend k = x.backend();
        if (epsilon == 0) return k.copy(x); // an empty ball: nothing to search
        Ball ball = new Ball(norm, x, PerImage.column(filled(x.dim(0), epsilon), x));
        Tensor cur = randomStart ? ball.randomPoint(rng) : k.copy(x);
        Tensor step = k.affine(ball.eps(), stepSize / epsilon, 0);
        for (int t = 0; t < steps; t++) {
            try (Scope s = Scope.open()) {
                Tensor g = InputGradients.ofLoss(model, cur, labels, loss).gradient();
                k.copyInto(cur, ball.project(PerImage.addScaled(cur, step, ball.ascent(g))));
            }
        }
        return cur;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
