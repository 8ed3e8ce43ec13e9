package dev.lipreg.regularizers;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

import java.util.List;

/**
 * Per-example input gradients g_i = ∇ₓ ℓ(x_i, y_i) of a batch in one backward
 * pass. Examples are independent (no batch-norm coupling in eval mode), so the
 * gradient of Σ_i ℓ_i with respect to the batch holds every g_i. With
 * {@code createGraph} the backward pass is recorded, so penalties on g can be
 * differentiated with respect to the weights (double backprop).
 *
 * @param input         the batch as a leaf variable
 * @param logits        model output [N, K]
 * @param lossPerExample ℓ_i [N]
 * @param target        the per-example quantity that was differentiated [N] (the loss or the margin)
 * @param grad          g [N, C, H, W]
 */
public record InputGradient(Variable input, Variable logits, Variable lossPerExample, Variable target, Variable grad) {

    /**
     * The input gradients of {@code what} for the batch {@code x}.
     *
     * @param model       the model
     * @param loss        the loss
     * @param x           the batch
     * @param labels      its labels
     * @param what        the loss or the margin
     * @param createGraph whether to record the backward pass (for penalties differentiated in the weights)
     * @return the gradient and what it came from
     */
    public static InputGradient compute(Module model, Loss loss, Tensor x, Tensor labels, GradientTarget what, boolean createGraph) {
        Variable in = Variable.leaf(x);
        Variable logits = model.forward(in);
        Variable perExample = loss.perExample(logits, labels);
        Variable target = what == GradientTarget.LOSS ? perExample : margin(logits, labels);
        Variable g = Autograd.grad(List.of(Ops.sum(target)), List.of(in), null, createGraph).getFirst();
        return new InputGradient(in, logits, perExample, target, g);
    }

    /**
     * z_y − max_{k≠y} z_k per example.
     *
     * @param logits the logits [N, K]
     * @param labels the labels [N]
     * @return the margins [N]
     */
    public static Variable margin(Variable logits, Tensor labels) {
        Variable oneHot = Ops.oneHot(labels, logits.dim(1), logits);
        Variable trueLogit = Ops.sum(Ops.mul(oneHot, logits), false, 1);
        // push the true class far below every other before taking the max
        Variable others = Ops.sub(logits, Ops.scale(oneHot, 1e30));
        return Ops.sub(trueLogit, Ops.max(others, false, 1));
    }
}
