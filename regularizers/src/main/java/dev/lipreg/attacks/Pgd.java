package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Projected gradient descent on the cross-entropy (Madry et al.), ℓ∞ or ℓ2:
 * {@code steps} steps of size {@code stepFraction}·ε along the steepest-ascent
 * direction, each projected onto the ε-ball ∩ [0,1], from a random start in
 * the ball or from x itself, repeated {@code restarts} times. An image counts as
 * broken as soon as any iterate of any restart is adversarial; that iterate is
 * returned. Without random start and with one restart this is I-FGSM / BIM
 * (Kurakin et al.), see {@link #bim}.
 *
 * @param name         the name in reports
 * @param norm         L2 or LINF
 * @param epsilon      the budget
 * @param stepFraction the step size as a fraction of ε
 * @param steps        the steps per restart
 * @param randomStart  whether to start from a random point of the ball
 * @param restarts     the restarts
 * @param seed         the seed of the random starts
 */
public record Pgd(String name, Norm norm, double epsilon, double stepFraction, int steps, boolean randomStart, int restarts, long seed)
        implements FixedBudgetAttack {

    /** Checks every setting. */
    public Pgd {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
        Inputs.checkPositive(stepFraction, "stepFraction (step size / epsilon)");
        Inputs.checkNonNegative(steps, "steps");
        Inputs.checkPositive(restarts, "restarts");
    }

    /**
     * ℓ∞ PGD with random start and Madry's step 2.5·ε/steps.
     *
     * @param epsilon the budget
     * @param steps   the steps
     * @return the attack
     */
    public static Pgd linf(double epsilon, int steps) {
        return new Pgd("pgd-linf", Norm.LINF, epsilon, 2.5 / Math.max(steps, 1), steps, true, 1, 0);
    }

    /**
     * ℓ2 PGD with random start and step 2.5·ε/steps.
     *
     * @param epsilon the budget
     * @param steps   the steps
     * @return the attack
     */
    public static Pgd l2(double epsilon, int steps) {
        return new Pgd("pgd-l2", Norm.L2, epsilon, 2.5 / Math.max(steps, 1), steps, true, 1, 0);
    }

    /**
     * I-FGSM / BIM: sign steps of ε/steps from x itself, no random start.
     *
     * @param epsilon the budget
     * @param steps   the steps
     * @return the attack
     */
    public static Pgd bim(double epsilon, int steps) {
        return new Pgd("bim", Norm.LINF, epsilon, 1.0 / Math.max(steps, 1), steps, false, 1, 0);
    }

    @Override
    public Pgd withEpsilon(double epsilon) {
        return new Pgd(name, norm, epsilon, stepFraction, steps, randomStart, restarts, seed);
    }

    /**
     * The same attack with steps of {@code stepFraction}·ε.
     *
     * @param stepFraction the step size as a fraction of ε
     * @return the new attack
     */
    public Pgd withStepFraction(double stepFraction) {
        return new Pgd(name, norm, epsilon, stepFraction, steps, randomStart, restarts, seed);
    }

    /**
     * The same attack with {@code restarts} restarts.
     *
     * @param restarts the restarts
     * @return the new attack
     */
    public Pgd withRestarts(int restarts) {
        return new Pgd(name, norm, epsilon, stepFraction, steps, randomStart, restarts, seed);
    }

    /**
     * The same attack with another seed.
     *
     * @param seed the seed
     * @return the new attack
     */
    public Pgd withSeed(long seed) {
        return new Pgd(name, norm, epsilon, stepFraction, steps, randomStart, restarts, seed);
    }

    /**
     * The same attack with or without a random start.
     *
     * @param randomStart whether to start from a random point of the ball
     * @return the new attack
     */
    public Pgd withRandomStart(boolean randomStart) {
        return new Pgd(name, norm, epsilon, stepFraction, steps, randomStart, restarts, seed);
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons) {
        return attack(model, images, labels, epsilons, false);
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons) {
        return attack(model, images, targets, epsilons, true);
    }

    private AttackResult attack(Module model, Tensor x, Tensor labels, double[] eps, boolean targeted) {
        Inputs.checkModel(model, x);
        Inputs.checkEpsilons(eps, x.dim(0));
        try (AttackFrame f = AttackFrame.open(name, new ModelOracle(model), x, labels, targeted)) {
            Backend k = x.backend();
            Ball ball = new Ball(norm, x, PerImage.column(eps, x));
            Tensor step = k.affine(ball.eps(), targeted ? -stepFraction : stepFraction, 0); // targeted: descend the target's loss
            boolean[] found = f.initiallyAdversarial.clone();
            Tensor best = k.copy(x);
            Tensor cur = k.copy(x);
            SplittableRandom rng = new SplittableRandom(seed);
            for (int r = 0; r < restarts && !AttackFrame.all(found); r++) {
                if (randomStart) {
                    try (Scope s = Scope.open()) {
                        k.copyInto(cur, ball.randomPoint(rng));
                    }
                } else if (r > 0) {
                    break; // a deterministic restart would repeat the first run
                }
                for (int t = 0; t <= steps; t++) {
                    try (Scope s = Scope.open()) {
                        boolean last = t == steps;
                        InputGradients.LossGradient lg = last ? null : InputGradients.ofLoss(model, cur, labels, Loss.crossEntropy());
                        Tensor logits = last ? PerImage.logits(model, cur) : lg.logits();
                        f.keepNewlyFound(PerImage.argmax(logits), found, cur, best);
                        if (last || AttackFrame.all(found)) break;
                        k.copyInto(cur, ball.project(PerImage.addScaled(cur, step, ball.ascent(lg.gradient()))));
                    }
                }
            }
            return f.finish(PerImage.select(PerImage.mask(found, x), best, cur));
        }
    }
}
