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
 * where the model is steep, so a large input gradient flags them.
 */
public enum DetectionStatistic {
    /** s(x) = max over classes k of ‖∇ₓ f_k(x)‖₂ (f_k = logit k): K backward passes. */
    MAX_LOGIT_GRADIENT,
    /** s(x) = ‖∇ₓ ℓ(x, ŷ)‖₂, the cross-entropy at the predicted label ŷ: one backward pass. */
    PREDICTED_LOSS_GRADIENT;

    /**
     * s per image [N] at {@code x} (which must require grad), given
     * {@code logits} = model(x). With {@code createGraph} the backward passes are
     * recorded, so s can itself be differentiated (double backprop).
     */
    public Variable of(Variable x, Variable logits, boolean createGraph) {
        int[] axes = featureAxes(x);
        if (this == PREDICTED_LOSS_GRADIENT) {
            Tensor predicted = Tensor.ofLabels(x.backend(), PerImage.argmax(logits.value()));
            Variable loss = Ops.sum(Loss.crossEntropy().perExample(logits, predicted));
            return Ops.normL2(Autograd.grad(loss, x, createGraph), false, axes);
        }
        int n = logits.dim(0), classes = logits.dim(1);
        List<Variable> norms = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            long[] col = new long[n];
            Arrays.fill(col, c);
            Variable seed = Variable.constant(x.backend().oneHot(Tensor.ofLabels(x.backend(), col), classes, logits.dtype()));
            Variable g = Autograd.grad(List.of(logits), List.of(x), List.of(seed), createGraph).getFirst();
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
