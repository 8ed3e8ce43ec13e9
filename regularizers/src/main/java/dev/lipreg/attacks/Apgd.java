package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * APGD-CE (Croce and Hein 2020, the first attack of AutoAttack), ℓ∞ or ℓ2, with
 * AutoAttack's step-size rule: step 2ε at first, momentum 0.75 on the iterates,
 * and at checkpoints (first at 22% of the steps, then every 3% less, at least
 * 6%) the step of an image is halved, and it restarts from its best point,
 * when its loss rose in at most 75% of the steps since the last checkpoint or
 * when neither its step nor its best loss changed since then. Targeted: the
 * loss maximized is −CE toward the target. With another {@code loss} (e.g.
 * {@link DlrLoss}; null: cross-entropy) that loss is maximized as it is, in
 * both modes.
 *
 * @param norm     L2 or LINF
 * @param epsilon  the budget
 * @param steps    the iterations per restart
 * @param restarts the restarts
 * @param seed     the seed of the random starts
 * @param loss     the loss to maximize, or null for cross-entropy
 */
public record Apgd(Norm norm, double epsilon, int steps, int restarts, long seed, Loss loss) implements FixedBudgetAttack {
    private static final double MOMENTUM = 0.75, RHO = 0.75;

    /** Checks every setting. */
    public Apgd {
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
        Inputs.checkPositive(steps, "steps");
        Inputs.checkPositive(restarts, "restarts");
    }

    /**
     * APGD-CE.
     *
     * @param norm     L2 or LINF
     * @param epsilon  the budget
     * @param steps    the iterations per restart
     * @param restarts the restarts
     * @param seed     the seed of the random starts
     */
    public Apgd(Norm norm, double epsilon, int steps, int restarts, long seed) {
        this(norm, epsilon, steps, restarts, seed, null);
    }

    /**
     * ℓ∞ APGD-CE, one restart, seed 0.
     *
     * @param epsilon the budget
     * @param steps   the iterations
     * @return the attack
     */
    public static Apgd linf(double epsilon, int steps) {
        return new Apgd(Norm.LINF, epsilon, steps, 1, 0);
    }

    /**
     * ℓ2 APGD-CE, one restart, seed 0.
     *
     * @param epsilon the budget
     * @param steps   the iterations
     * @return the attack
     */
    public static Apgd l2(double epsilon, int steps) {
        return new Apgd(Norm.L2, epsilon, steps, 1, 0);
    }

    @Override
    public String name() {
        return "apgd-" + (loss == null ? "ce" : loss.label()) + "-" + norm.label();
    }

    @Override
    public Apgd withEpsilon(double epsilon) {
        return new Apgd(norm, epsilon, steps, restarts, seed, loss);
    }

    /**
     * The same attack with {@code restarts} restarts.
     *
     * @param restarts the restarts
     * @return the new attack
     */
    public Apgd withRestarts(int restarts) {
        return new Apgd(norm, epsilon, steps, restarts, seed, loss);
    }

    /**
     * The same attack with another seed.
     *
     * @param seed the seed
     * @return the new attack
     */
    public Apgd withSeed(long seed) {
        return new Apgd(norm, epsilon, steps, restarts, seed, loss);
    }

    /**
     * The same attack maximizing {@code loss} (null: cross-entropy).
     *
     * @param loss the loss, or null
     * @return the new attack
     */
    public Apgd withLoss(Loss loss) {
        return new Apgd(norm, epsilon, steps, restarts, seed, loss);
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
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), x, labels, targeted)) {
            Backend k = x.backend();
            Ball ball = new Ball(norm, x, PerImage.column(eps, x));
            boolean[] found = f.initiallyAdversarial.clone();
            Tensor bestAdv = k.copy(x);
            Tensor xBest = k.copy(x);
            SplittableRandom rng = new SplittableRandom(seed);
            for (int r = 0; r < restarts && !AttackFrame.all(found); r++) {
                new Run(f, model, ball, targeted, found, bestAdv, xBest, eps).go(rng);
            }
            return f.finish(PerImage.select(PerImage.mask(found, x), bestAdv, xBest));
        }
    }

    /** One APGD run: iterate, best-loss point, gradients and per-image step sizes. */
    private final class Run {
        private final AttackFrame f;
        private final Module model;
        private final Ball ball;
        private final boolean targeted;
        private final boolean[] found;
        private final Tensor bestAdv, xBest, xAdv, xOld, grad, gradBest;
        private final Backend k;
        private final double[] stepSize, lossBest;
        private final int n;

        Run(AttackFrame f, Module model, Ball ball, boolean targeted, boolean[] found, Tensor bestAdv, Tensor xBest, double[] eps) {
            this.f = f;
            this.model = model;
            this.ball = ball;
            this.targeted = targeted;
            this.found = found;
            this.bestAdv = bestAdv;
            this.xBest = xBest;
            this.k = f.x.backend();
            this.n = f.x.dim(0);
            this.xAdv = k.copy(f.x);
            this.xOld = k.copy(f.x);
            this.grad = k.copy(f.x);
            this.gradBest = k.copy(f.x);
            this.stepSize = new double[n];
            for (int i = 0; i < n; i++) stepSize[i] = 2 * eps[i];
            this.lossBest = new double[n];
        }

        void go(SplittableRandom rng) {
            try (Scope s = Scope.open()) {
                k.copyInto(xAdv, randomStart(rng));
                double[] loss = evaluate();
                k.copyInto(xBest, xAdv);
                k.copyInto(gradBest, grad);
                System.arraycopy(loss, 0, lossBest, 0, n);
            }
            k.copyInto(xOld, xAdv);
            // AutoAttack's checkpoint schedule, in iterations between checks
            int interval = Math.max((int) (0.22 * steps), 1), decrease = Math.max((int) (0.03 * steps), 1), minInterval = Math.max((int) (0.06 * steps), 1);
            double[] lossPrev = lossBest.clone();
            int[] increases = new int[n];
            double[] lossBestLastCheck = lossBest.clone();
            boolean[] reducedLastCheck = new boolean[n];
            Arrays.fill(reducedLastCheck, true);
            int sinceCheck = 0;
            for (int i = 0; i < steps && !AttackFrame.all(found); i++) {
                try (Scope s = Scope.open()) {
                    step(i == 0 ? 1.0 : MOMENTUM);
                    double[] loss = evaluate();
                    for (int j = 0; j < n; j++) if (loss[j] > lossPrev[j]) increases[j]++;
                    lossPrev = loss;
                    boolean[] improved = new boolean[n];
                    for (int j = 0; j < n; j++) {
                        improved[j] = loss[j] > lossBest[j];
                        if (improved[j]) lossBest[j] = loss[j];
                    }
                    Tensor m = PerImage.mask(improved, xAdv);
                    k.copyInto(xBest, PerImage.select(m, xAdv, xBest));
                    k.copyInto(gradBest, PerImage.select(m, grad, gradBest));
                    if (++sinceCheck == interval) {
                        boolean[] reduce = new boolean[n];
                        boolean any = false;
                        for (int j = 0; j < n; j++) {
                            boolean oscillating = increases[j] <= interval * RHO;
                            boolean stalled = !reducedLastCheck[j] && lossBestLastCheck[j] >= lossBest[j];
                            reduce[j] = oscillating || stalled;
                            if (reduce[j]) stepSize[j] /= 2;
                            any |= reduce[j];
                        }
                        reducedLastCheck = reduce;
                        lossBestLastCheck = lossBest.clone();
                        if (any) {
                            Tensor back = PerImage.mask(reduce, xAdv);
                            k.copyInto(xAdv, PerImage.select(back, xBest, xAdv));
                            k.copyInto(grad, PerImage.select(back, gradBest, grad));
                        }
                        Arrays.fill(increases, 0);
                        interval = Math.max(interval - decrease, minInterval);
                        sinceCheck = 0;
                    }
                }
            }
        }

        /** AutoAttack's start: x + ε·t/‖t‖ for uniform (ℓ∞) or Gaussian (ℓ2) t, projected. */
        private Tensor randomStart(SplittableRandom rng) {
            Tensor t = norm == Norm.LINF
                    ? RandomTensors.uniform(k, f.x.dtype(), f.x.shape(), -1, 1, rng)
                    : RandomTensors.gaussian(k, f.x.dtype(), f.x.shape(), rng);
            Tensor unit = norm == Norm.LINF
                    ? k.binary(BinaryOp.DIV, t, PerImage.normColumn(t, ReduceOp.NORM_LINF))
                    : PerImage.unitL2(t);
            return ball.project(k.binary(BinaryOp.ADD, f.x, k.binary(BinaryOp.MUL, unit, ball.eps())));
        }

        /** z = P(x + η·dir(∇)), x ← P(x + α(z − x) + (1−α)(x − x_prev)). */
        private void step(double alpha) {
            Tensor momentum = k.binary(BinaryOp.SUB, xAdv, xOld);
            k.copyInto(xOld, xAdv);
            Tensor z = ball.project(PerImage.addScaled(xAdv, PerImage.column(stepSize, xAdv), ball.ascent(grad)));
            Tensor next = k.binary(BinaryOp.ADD, xAdv, k.affine(k.binary(BinaryOp.SUB, z, xAdv), alpha, 0));
            if (alpha != 1) next = k.binary(BinaryOp.ADD, next, k.affine(momentum, 1 - alpha, 0));
            k.copyInto(xAdv, ball.project(next));
        }

        /** Loss and gradient at xAdv (the loss maximized: CE, or −CE toward the target); records adversarial iterates. */
        private double[] evaluate() {
            InputGradients.LossGradient lg = InputGradients.ofLoss(model, xAdv, f.labels, loss == null ? Loss.crossEntropy() : loss);
            f.keepNewlyFound(PerImage.argmax(lg.logits()), found, xAdv, bestAdv);
            boolean negate = targeted && loss == null; // −CE toward the target
            k.copyInto(grad, negate ? k.affine(lg.gradient(), -1, 0) : lg.gradient());
            double[] values = lg.loss().toDoubleArray();
            if (negate) for (int j = 0; j < n; j++) values[j] = -values[j];
            return values;
        }
    }
}
