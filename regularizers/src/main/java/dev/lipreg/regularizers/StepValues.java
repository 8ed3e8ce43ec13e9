package dev.lipreg.regularizers;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

import java.util.Map;

/**
 * One evaluation of the training objective on a batch: the total to
 * differentiate, the values of its terms, and the per-example input-gradient
 * norms the penalties act on. Without penalties the input gradient is not
 * computed up front: {@link #gradL2()} reads it from the input's gradient once
 * {@code total().backward()} has run (the same backward pass), so plain
 * training pays no extra pass for its statistics.
 */
public final class StepValues {
    private final Variable total;
    private final double dataLoss;
    private final Map<String, Double> penalties;
    private final int correct, count;
    private final Norm dualNorm;
    private final Variable input;
    private final Variable target;
    private Tensor grad;
    private double[] l2, dual;

    StepValues(Variable total, double dataLoss, Map<String, Double> penalties, int correct, int count,
               Norm dualNorm, Variable input, Variable target, Tensor grad) {
        this.total = total;
        this.dataLoss = dataLoss;
        this.penalties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(penalties));
        this.correct = correct;
        this.count = count;
        this.dualNorm = dualNorm;
        this.input = input;
        this.target = target;
        this.grad = grad;
    }

    /**
     * Data term + penalties, to differentiate with respect to the weights.
     *
     * @return the objective
     */
    public Variable total() {
        return total;
    }

    /**
     * Mean ℓ over the batch.
     *
     * @return the mean loss
     */
    public double dataLoss() {
        return dataLoss;
    }

    /**
     * Each penalty's value by label (e.g. "lip(l2)").
     *
     * @return the penalties
     */
    public Map<String, Double> penalties() {
        return penalties;
    }

    /**
     * Examples classified correctly (on the training input).
     *
     * @return the count of correct predictions
     */
    public int correct() {
        return correct;
    }

    /** {@return the number of examples in the batch} */
    public int count() {
        return count;
    }

    /**
     * Per-example ‖∇ₓT‖₂ of the penalized target T (the loss unless the margin is penalized), detached.
     *
     * @return the norms
     */
    public double[] gradL2() {
        if (l2 == null) l2 = norms(Norm.L2);
        return l2;
    }

    /**
     * Per-example ‖∇ₓT‖ in the TV/squared penalty's norm when one is used, else ℓ1.
     *
     * @return the norms
     */
    public double[] gradDual() {
        if (dual == null) dual = dualNorm == Norm.L2 ? gradL2() : norms(dualNorm);
        return dual;
    }

    private double[] norms(Norm norm) {
        return Norms.perExample(norm, Variable.constant(inputGradient())).value().toDoubleArray();
    }

    /** g_i = ∇ₓT(x_i): given, or N·∂(mean T)/∂x after backward, or one more backward pass. */
    private Tensor inputGradient() {
        if (grad == null) {
            Tensor accumulated = input.grad();
            grad = accumulated != null
                    ? accumulated.backend().affine(accumulated, count, 0)
                    : Autograd.grad(Ops.sum(target), input, false).value();
        }
        return grad;
    }
}
