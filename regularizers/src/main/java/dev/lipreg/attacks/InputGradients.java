package dev.lipreg.attacks;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gradients with respect to the input images. The per-example losses are
 * summed before differentiating, so in evaluation mode image i's gradient is
 * exactly ∇ₓ ℓ(x_i) (examples do not interact).
 */
public final class InputGradients {
    private InputGradients() {
    }

    /**
     * Logits [N,K], per-example loss [N] and its input gradient [N, ...].
     *
     * @param logits   the logits
     * @param loss     the loss per example
     * @param gradient the loss's input gradient
     */
    public record LossGradient(Tensor logits, Tensor loss, Tensor gradient) {
    }

    /**
     * Logits [N,K] and ∇ₓ f_k for every class k (each [N, ...]).
     *
     * @param logits    the logits
     * @param gradients one input gradient per class
     */
    public record LogitGradients(Tensor logits, List<Tensor> gradients) {
    }

    /**
     * The logits, per-example loss and its input gradient for a batch (recording on even under {@code GradMode.disabled()}).
     *
     * @param model  the model
     * @param x      the batch
     * @param labels its labels
     * @param loss   the loss
     * @return the three
     */
    public static LossGradient ofLoss(Module model, Tensor x, Tensor labels, Loss loss) {
        // recording must be on even when the caller evaluates under GradMode.disabled()
        try (GradMode.Restore on = GradMode.set(true)) {
            Variable xv = Variable.leaf(x);
            Variable logits = model.forward(xv);
            Variable per = loss.perExample(logits, labels);
            Tensor g = Autograd.grad(Ops.sum(per), xv, false).value();
            return new LossGradient(logits.value(), per.value(), g);
        }
    }

    /**
     * One forward pass and K backward passes, seeded with the one-hot column of each class.
     *
     * @param model the model
     * @param x     the batch
     * @return the logits and per-class gradients
     */
    public static LogitGradients ofLogits(Module model, Tensor x) {
        try (GradMode.Restore on = GradMode.set(true)) {
            Variable xv = Variable.leaf(x);
            Variable logits = model.forward(xv);
            int n = logits.dim(0), classes = logits.dim(1);
            List<Tensor> grads = new ArrayList<>(classes);
            for (int c = 0; c < classes; c++) {
                Variable seed = Variable.constant(classColumn(x, n, classes, c, logits.dtype()));
                grads.add(Autograd.grad(List.of(logits), List.of(xv), List.of(seed), false).getFirst().value());
            }
            return new LogitGradients(logits.value(), grads);
        }
    }

    /** [N,K] with ones in column c: the seed that selects logit c of every image. */
    static Tensor classColumn(Tensor like, int n, int classes, int c, DType dtype) {
        long[] l = new long[n];
        Arrays.fill(l, c);
        return like.backend().oneHot(like.backend().fromArray(l, Shape.of(n)), classes, dtype);
    }
}
