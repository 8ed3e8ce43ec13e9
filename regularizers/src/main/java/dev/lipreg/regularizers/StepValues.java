package dev.lipreg.regularizers;

import dev.lipreg.autograd.Variable;

import java.util.Map;

/**
 * One evaluation of the training objective on a batch.
 *
 * @param total       data term + penalties, to differentiate with respect to the weights
 * @param dataLoss    mean ℓ over the batch
 * @param penalties   each penalty's value by label (e.g. "lip(l2)")
 * @param gradL2      per-example ‖∇ₓℓ‖₂ (exact, detached)
 * @param gradDual    per-example ‖∇ₓℓ‖ in the TV/squared norm when one is used, else ℓ1
 * @param correct     examples classified correctly (on the training input)
 * @param count       batch size
 */
public record StepValues(Variable total, double dataLoss, Map<String, Double> penalties, double[] gradL2, double[] gradDual,
                         int correct, int count) {
}
