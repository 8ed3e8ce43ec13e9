package dev.lipreg.regularizers;

import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/** Replaces a training batch by adversarial examples (FGSM, PGD) for adversarial training. */
@FunctionalInterface
public interface Perturbation {
    /**
     * Adversarial images for (x, labels), detached, in the current scope.
     *
     * @param model  the model under attack
     * @param loss   the loss the perturbation increases
     * @param x      the clean batch
     * @param labels its labels
     * @return the perturbed batch
     */
    Tensor apply(Module model, Loss loss, Tensor x, Tensor labels);
}
