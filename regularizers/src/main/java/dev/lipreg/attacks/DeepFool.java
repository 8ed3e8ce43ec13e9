package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.List;

/**
 * DeepFool (Moosavi-Dezfooli et al.), ℓ2 or ℓ∞, multi-class. Each iteration
 * linearizes every class margin f_k − f_y with the per-class input gradients
 * w_k = ∇f_k − ∇f_y, takes the nearest linearized boundary
 * l = argmin_k |f_k − f_y| / ‖w_k‖_* (dual norm: ℓ2 for ℓ2, ℓ1 for ℓ∞) and adds
 * the step (|f_l − f_y|/‖w_l‖_* + 1e-4) · (w_l/‖w_l‖₂ or sign(w_l)) to the
 * accumulated perturbation r; the image is x + (1 + overshoot)·r, clipped to
 * [0,1]. Images stop once misclassified. Exact in one step for affine models.
 *
 * @param norm          L2 or LINF
 * @param overshoot     the factor the final step is enlarged by
 * @param maxIterations the most iterations per image
 */
public record DeepFool(Norm norm, double overshoot, int maxIterations) implements Attack {
    /** Added to each step, as in the original code, so the linearized boundary is crossed, not touched. */
    private static final double PUSH = 1e-4;

    /** Checks every setting. */
    public DeepFool {
        Inputs.checkThreatNorm(norm);
        Inputs.checkNonNegative(overshoot, "overshoot");
        Inputs.checkPositive(maxIterations, "maxIterations");
    }

    /**
     * The usual settings: overshoot 0.02, at most 50 iterations.
     *
     * @param norm L2 or LINF
     * @return the attack
     */
    public static DeepFool of(Norm norm) {
        return new DeepFool(norm, 0.02, 50);
    }

    @Override
    public String name() {
        return "deepfool-" + norm.label();
    }

    @Override
    public AttackResult run(Module model, Tensor x, Tensor labels) {
        Inputs.checkModel(model, x);
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), x, labels, false)) {
            Backend k = x.backend();
            int n = x.dim(0), classes = f.classes;
            boolean[] active = f.initiallyAdversarial.clone();
            for (int i = 0; i < n; i++) active[i] = !active[i];
            Tensor r = k.full(x.shape(), x.dtype(), 0);
            Tensor adv = k.copy(x);
            for (int it = 0; it < maxIterations; it++) {
                try (Scope s = Scope.open()) {
                    InputGradients.LogitGradients lg = InputGradients.ofLogits(model, adv);
                    int[] pred = PerImage.argmax(lg.logits());
                    for (int i = 0; i < n; i++) active[i] &= pred[i] == f.classOf[i];
                    if (!anyTrue(active)) break;
                    double[] logits = lg.logits().toDoubleArray();
                    List<Tensor> g = lg.gradients();
                    Tensor gTrue = gradientOfLabel(g, f.classOf, x);
                    // per class k: w_k = ∇f_k − ∇f_y and its dual norm per image
                    Tensor[] w = new Tensor[classes];
                    double[][] dual = new double[classes][];
                    for (int c = 0; c < classes; c++) {
                        w[c] = k.binary(BinaryOp.SUB, g.get(c), gTrue);
                        dual[c] = PerImage.norms(w[c], norm.dualReduceOp());
                    }
                    double[][] coef = new double[classes][n];
                    for (int i = 0; i < n; i++) {
                        if (!active[i]) continue;
                        int y = f.classOf[i], best = -1;
                        double bestDist = Double.POSITIVE_INFINITY;
                        for (int c = 0; c < classes; c++) {
                            if (c == y || !(dual[c][i] > 0)) continue;
                            double d = Math.abs(logits[i * classes + c] - logits[i * classes + y]) / dual[c][i];
                            if (d < bestDist) {
                                bestDist = d;
                                best = c;
                            }
                        }
                        if (best < 0) continue; // all class gradients equal: no direction to move
                        // ℓ2: (d + push)·w/‖w‖₂ ; ℓ∞: (d + push)·sign(w)
                        coef[best][i] = norm == Norm.L2 ? (bestDist + PUSH) / dual[best][i] : bestDist + PUSH;
                    }
                    Tensor step = k.full(x.shape(), x.dtype(), 0);
                    for (int c = 0; c < classes; c++) {
                        if (!anyNonZero(coef[c])) continue;
                        Tensor dir = norm == Norm.L2 ? w[c] : k.unary(UnaryOp.SIGN, w[c]);
                        step = PerImage.addScaled(step, PerImage.column(coef[c], x), dir);
                    }
                    k.copyInto(r, k.binary(BinaryOp.ADD, r, step));
                    k.copyInto(adv, k.clamp(k.binary(BinaryOp.ADD, x, k.affine(r, 1 + overshoot, 0)), 0, 1));
                }
            }
            return f.finish(adv);
        }
    }

    /** ∇f_{y_i} for each image i: Σ_c [y_i = c]·∇f_c. */
    private static Tensor gradientOfLabel(List<Tensor> g, int[] label, Tensor like) {
        Backend k = like.backend();
        Tensor out = k.full(like.shape(), like.dtype(), 0);
        for (int c = 0; c < g.size(); c++) {
            boolean[] is = new boolean[label.length];
            boolean any = false;
            for (int i = 0; i < label.length; i++) any |= is[i] = label[i] == c;
            if (any) out = PerImage.addScaled(out, PerImage.mask(is, like), g.get(c));
        }
        return out;
    }

    private static boolean anyTrue(boolean[] b) {
        for (boolean v : b) if (v) return true;
        return false;
    }

    private static boolean anyNonZero(double[] v) {
        for (double d : v) if (d != 0) return true;
        return false;
    }
}
