package dev.lipreg.regularizers;

import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/** Replaces a training batch by adversarial examples (FGSM, PGD) for adversarial training. */
@FunctionalInterface
public interface Perturbation {
    /** Adversarial images for (x, labels), detached, in the current scope. */
    Tensor apply(Module model, Loss loss, Tensor x, Tensor labels);
}
