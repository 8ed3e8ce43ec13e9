package dev.lipreg.eval;

import dev.lipreg.attacks.PerImage;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paper's label-free detection statistics (§3): adversarial images sit
 * where the model is steep, so a large input gradient flags them. In the paper
 * the model f maps into the probability simplex; see docs/evaluation.md for
 * when each statistic works.
 */
public enum DetectionStatistic {
    /**
     * The paper's: s(x) = max over classes k of ‖∇ₓ p_k(x)‖₂, p = softmax(logits):
     * K backward passes. Confidently classified clean images have flat
     * probabilities (p_k ≈ 0 or 1), adversarial images near the boundary steep ones.
     */
    MAX_PROBABILITY_GRADIENT("probability"),
    /**
     * s(x) = max over classes k of ‖∇ₓ f_k(x)‖₂ (f_k = logit k): K backward passes.
     * For a ReLU network the logits are piecewise linear and their gradients barely
     * change across the decision boundary, so this separates poorly there.
     */
    MAX_LOGIT_GRADIENT("max-logit"),
    /**
     * s(x) = ‖∇ₓ ℓ(x, ŷ)‖₂, the cross-entropy at the predicted label ŷ: one backward
     * pass. It equals ‖Σ_k (p_k − [k = ŷ]) ∇ₓ f_k‖, small where p is confident, so it
     * behaves like the probability statistic at a K-th of the cost.
     */
    PREDICTED_LOSS_GRADIENT("loss");

    private final String label;

    DetectionStatistic(String label) {
        this.label = label;
    }

    /** {@return the command-line name: probability, max-logit or loss} */
    public String label() {
        return label;
    }

    /**
     * The statistic named {@code label} (probability, max-logit, loss), ignoring case.
     *
     * @param label a command-line name
     * @return the statistic, or null for an unknown name
     */
    public static DetectionStatistic byLabel(String label) {
        for (DetectionStatistic s : values()) if (s.label.equalsIgnoreCase(label)) return s;
        return null;
    }

    /**
     * s per image [N] at {@code x} (which must require grad), given
     * {@code logits} = model(x). With {@code createGraph} the backward passes are
     * recorded, so s can itself be differentiated (double backprop).
     *
     * @param x           the images [N, ...], requiring grad
     * @param logits      the model's logits [N, K] at x, recorded from x
     * @param createGraph whether to record the backward passes
     * @return the statistic per image [N], ≥ 0
     */
    public Variable of(Variable x, Variable logits, boolean createGraph) {
        int[] axes = featureAxes(x);
        if (this == PREDICTED_LOSS_GRADIENT) {
            Tensor predicted = Tensor.ofLabels(x.backend(), PerImage.argmax(logits.value()));
            Variable loss = Ops.sum(Loss.crossEntropy().perExample(logits, predicted));
            return Ops.normL2(Autograd.grad(loss, x, createGraph), false, axes);
        }
        Variable f = this == MAX_PROBABILITY_GRADIENT ? Ops.softmax(logits, 1) : logits;
        int n = logits.dim(0), classes = logits.dim(1);
        List<Variable> norms = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            long[] col = new long[n];
            Arrays.fill(col, c);
            Variable seed = Variable.constant(x.backend().oneHot(Tensor.ofLabels(x.backend(), col), classes, logits.dtype()));
            Variable g = Autograd.grad(List.of(f), List.of(x), List.of(seed), createGraph).getFirst();
            norms.add(Ops.reshape(Ops.normL2(g, false, axes), n, 1));
        }
        return Ops.max(Ops.concat(norms, 1), false, 1);
    }

    private static int[] featureAxes(Variable x) {
        int[] a = new int[x.shape().rank() - 1];
        for (int i = 0; i < a.length; i++) a[i] = i + 1;
        return a;
    }
}
