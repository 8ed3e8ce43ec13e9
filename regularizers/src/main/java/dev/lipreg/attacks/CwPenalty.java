package dev.lipreg.attacks;

import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;

/**
 * An extra per-image term of the Carlini–Wagner objective, scaled by the
 * same constant c as the misclassification term: CW then minimizes
 * ‖δ‖² + c·(f(x') + penalty(x')). An image counts as adversarial only where the
 * penalty is 0, e.g. a detector's penalty that is 0 below its threshold.
 */
@FunctionalInterface
public interface CwPenalty {

    /**
     * The penalty [N] (≥ 0) at the candidate images, differentiable with respect to
     * them ({@code images} is part of the recorded graph; {@code logits} = model(images)).
     *
     * @param model  the model
     * @param images the candidate images
     * @param logits their logits
     * @return the penalty per image
     */
    Variable apply(Module model, Variable images, Variable logits);
}
