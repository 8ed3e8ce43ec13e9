package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.Arrays;

/**
 * Carlini–Wagner ℓ2. The image is x' = (tanh(w) + 1)/2, so it stays in [0,1]
 * without clipping; Adam on w minimizes ‖x' − x‖² + c·max(Z_y − max_{k≠y} Z_k, −κ)
 * (targeted: max(max_{k≠t} Z_k − Z_t, −κ)), and a binary search per image over c
 * finds the smallest c that still succeeds. Every iterate that is adversarial
 * with margin κ (and has zero {@link CwPenalty}, when one is set) competes for
 * the smallest-‖δ‖₂ adversarial of its image, which is what is returned.
 *
 * @param penalty an extra objective term, or null
 * @param confidence    the margin κ an adversarial must reach, at least 0
 * @param initialConst  the first c of the binary search
 * @param binarySteps   the binary-search steps over c
 * @param maxIterations the Adam steps per value of c
 * @param learningRate  Adam's learning rate
 * @param abortEarly    whether to stop a value of c when the objective stops improving
 */
public record CarliniWagnerL2(double confidence, double initialConst, int binarySteps, int maxIterations, double learningRate,
                              boolean abortEarly, CwPenalty penalty) implements Attack {
    private static final double UPPER_LIMIT = 1e10, BETA1 = 0.9, BETA2 = 0.999, ADAM_EPS = 1e-8;
    /** Subtracted from the true class's logit so it never wins the max over the other classes. */
    private static final double MASK = 1e9;

    /** Checks every setting. */
    public CarliniWagnerL2 {
        Inputs.checkNonNegative(confidence, "confidence (kappa)");
        Inputs.checkPositive(initialConst, "initialConst");
        Inputs.checkPositive(binarySteps, "binarySteps");
        Inputs.checkPositive(maxIterations, "maxIterations");
        Inputs.checkPositive(learningRate, "learningRate");
    }

    /** {@return the paper's settings: κ 0, c₀ 1e-3, 9 binary-search steps, 1000 Adam steps of 0.01, abort early} */
    public static CarliniWagnerL2 defaults() {
        return new CarliniWagnerL2(0, 1e-3, 9, 1000, 0.01, true, null);
    }

    /**
     * The same attack with another search budget.
     *
     * @param binarySteps   the binary-search steps over c
     * @param maxIterations the Adam steps per value of c
     * @return the new attack
     */
    public CarliniWagnerL2 withSearch(int binarySteps, int maxIterations) {
        return new CarliniWagnerL2(confidence, initialConst, binarySteps, maxIterations, learningRate, abortEarly, penalty);
    }

    /**
     * The same attack starting its search at {@code c}.
     *
     * @param c the first c
     * @return the new attack
     */
    public CarliniWagnerL2 withInitialConst(double c) {
        return new CarliniWagnerL2(confidence, c, binarySteps, maxIterations, learningRate, abortEarly, penalty);
    }

    /**
     * The same attack with margin κ.
     *
     * @param kappa the margin
     * @return the new attack
     */
    public CarliniWagnerL2 withConfidence(double kappa) {
        return new CarliniWagnerL2(kappa, initialConst, binarySteps, maxIterations, learningRate, abortEarly, penalty);
    }

    /**
     * The same attack with Adam's learning rate {@code lr}.
     *
     * @param lr the learning rate
     * @return the new attack
     */
    public CarliniWagnerL2 withLearningRate(double lr) {
        return new CarliniWagnerL2(confidence, initialConst, binarySteps, maxIterations, lr, abortEarly, penalty);
    }

    /**
     * The same attack with early stopping on or off.
     *
     * @param abort whether to stop early
     * @return the new attack
     */
    public CarliniWagnerL2 withAbortEarly(boolean abort) {
        return new CarliniWagnerL2(confidence, initialConst, binarySteps, maxIterations, learningRate, abort, penalty);
    }

    /**
     * The same attack with an extra objective term.
     *
     * @param p the term, or null for none
     * @return the new attack
     */
    public CarliniWagnerL2 withPenalty(CwPenalty p) {
        return new CarliniWagnerL2(confidence, initialConst, binarySteps, maxIterations, learningRate, abortEarly, p);
    }

    @Override
    public String name() {
        return penalty == null ? "cw-l2" : "cw-l2-evasive";
    }

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    @Override
    public boolean supportsTargeted() {
        return true;
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels) {
        return attack(model, images, labels, false);
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets) {
        return attack(model, images, targets, true);
    }

    private AttackResult attack(Module model, Tensor x, Tensor labels, boolean targeted) {
        Inputs.checkModel(model, x);
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), x, labels, targeted)) {
            Backend k = x.backend();
            int n = x.dim(0);
            Tensor w0 = atanhOfImage(x);
            Tensor w = k.copy(w0), m = k.copy(w0), v = k.copy(w0);
            Tensor best = k.copy(x);
            Tensor oneHot = k.oneHot(labels, f.classes, x.dtype());
            double[] bestL2 = new double[n];
            for (int i = 0; i < n; i++) bestL2[i] = f.initiallyAdversarial[i] ? 0 : Double.POSITIVE_INFINITY;
            double[] c = new double[n], lower = new double[n], upper = new double[n];
            Arrays.fill(c, initialConst);
            Arrays.fill(upper, UPPER_LIMIT);
            for (int b = 0; b < binarySteps; b++) {
                k.copyInto(w, w0);
                try (Scope s = Scope.open()) {
                    k.copyInto(m, k.full(x.shape(), x.dtype(), 0));
                    k.copyInto(v, k.full(x.shape(), x.dtype(), 0));
                }
                boolean[] succeeded = new boolean[n];
                double previous = Double.POSITIVE_INFINITY;
                int checkEvery = Math.max(maxIterations / 10, 1);
                for (int t = 1; t <= maxIterations; t++) {
                    try (Scope s = Scope.open()) {
                        Step st = step(model, f, w, oneHot, PerImage.column(c, x).reshape(n), targeted);
                        boolean[] hit = st.adversarial;
                        boolean[] better = new boolean[n];
                        boolean any = false;
                        for (int i = 0; i < n; i++) {
                            succeeded[i] |= hit[i];
                            better[i] = hit[i] && st.l2sq[i] < bestL2[i] * bestL2[i];
                            if (better[i]) bestL2[i] = Math.sqrt(st.l2sq[i]);
                            any |= better[i];
                        }
                        if (any) k.copyInto(best, PerImage.select(PerImage.mask(better, x), st.image, best));
                        adam(w, m, v, st.gradient, t);
                        if (abortEarly && t % checkEvery == 0) {
                            if (st.objective > previous * 0.9999) break;
                            previous = st.objective;
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (succeeded[i]) {
                        upper[i] = Math.min(upper[i], c[i]);
                        c[i] = (lower[i] + upper[i]) / 2;
                    } else {
                        lower[i] = Math.max(lower[i], c[i]);
                        c[i] = upper[i] < UPPER_LIMIT ? (lower[i] + upper[i]) / 2 : c[i] * 10;
                    }
                }
            }
            return f.finish(best);
        }
    }

    /** One evaluation of the objective: the candidate image, its gradient with respect to w, and what it achieved. */
    private record Step(Tensor image, Tensor gradient, double[] l2sq, boolean[] adversarial, double objective) {
    }

    private Step step(Module model, AttackFrame f, Tensor w, Tensor oneHot, Tensor c, boolean targeted) {
        Backend k = w.backend();
        try (GradMode.Restore on = GradMode.set(true)) {
            Variable wv = Variable.leaf(w);
            Variable image = Ops.affine(Ops.tanh(wv), 0.5, 0.5);
            Variable logits = model.forward(image);
            Variable hot = Variable.constant(oneHot);
            Variable real = Ops.sum(Ops.mul(hot, logits), false, 1);
            Variable other = Ops.max(Ops.sub(logits, Ops.scale(hot, MASK)), false, 1);
            Variable margin = targeted ? Ops.sub(other, real) : Ops.sub(real, other);
            Variable fLoss = Ops.relu(Ops.addScalar(margin, confidence)); // max(margin, −κ) + κ
            Variable pen = penalty == null ? null : penalty.apply(model, image, logits);
            if (pen != null && !pen.shape().equals(fLoss.shape())) {
                throw new IllegalArgumentException("CW penalty must give one value per image " + fLoss.shape() + ", got " + pen.shape());
            }
            Variable l2sq = Ops.sum(Ops.square(Ops.sub(image, Variable.constant(f.x))), false, PerImage.featureAxes(f.x));
            Variable cTerm = Ops.mul(Variable.constant(c), pen == null ? fLoss : Ops.add(fLoss, pen));
            Variable total = Ops.sum(Ops.add(l2sq, cTerm));
            Tensor g = Autograd.grad(total, wv, false).value();
            // adversarial with margin κ (and undetected, with a penalty), judged on this very image
            double[] mg = margin.value().toDoubleArray();
            double[] pv = pen == null ? null : pen.value().toDoubleArray();
            int[] pred = PerImage.argmax(logits.value());
            boolean[] hit = f.isAdversarial(pred);
            for (int i = 0; i < hit.length; i++) hit[i] &= -mg[i] >= confidence && (pv == null || pv[i] == 0);
            return new Step(image.value(), g, l2sq.value().toDoubleArray(), hit, total.item());
        }
    }

    private void adam(Tensor w, Tensor m, Tensor v, Tensor g, int t) {
        Backend k = w.backend();
        Tensor m2 = k.binary(BinaryOp.ADD, k.affine(m, BETA1, 0), k.affine(g, 1 - BETA1, 0));
        Tensor v2 = k.binary(BinaryOp.ADD, k.affine(v, BETA2, 0), k.affine(k.unary(UnaryOp.SQUARE, g), 1 - BETA2, 0));
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        Tensor denom = k.affine(k.unary(UnaryOp.SQRT, v2), 1 / Math.sqrt(c2), ADAM_EPS);
        k.copyInto(w, k.binary(BinaryOp.SUB, w, k.affine(k.binary(BinaryOp.DIV, m2, denom), learningRate / c1, 0)));
        k.copyInto(m, m2);
        k.copyInto(v, v2);
    }

    /** atanh((2x − 1)·(1 − 1e-6)): the tanh-space point of x, shrunk so x ∈ {0, 1} stays finite. */
    private static Tensor atanhOfImage(Tensor x) {
        Backend k = x.backend();
        double s = 1 - 1e-6;
        Tensor z = k.affine(x, 2 * s, -s);
        Tensor ratio = k.binary(BinaryOp.DIV, k.affine(z, 1, 1), k.affine(z, -1, 1));
        return k.affine(k.unary(UnaryOp.LOG, ratio), 0.5, 0);
    }
}
