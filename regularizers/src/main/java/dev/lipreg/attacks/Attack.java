package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/**
 * An adversarial attack on a batch of images [N, ...] with values in [0,1].
 * Results are per image; the adversarial images are allocated in the caller's
 * current {@link dev.lipreg.tensor.Scope}. Models must be in evaluation mode
 * ({@link Module#eval()}) so batch norm and dropout are fixed functions.
 */
public interface Attack {

    /**
     * Short name for reports, e.g. "pgd-linf", "cw-l2".
     *
     * @return the name
     */
    String name();

    /** {@return the norm the attack bounds (fixed-budget attacks) or minimizes} */
    Norm norm();

    /**
     * Untargeted: succeeds on an image when the model's prediction differs from its label.
     *
     * @param model  the model, in evaluation mode
     * @param images the images [N, ...] in [0,1]
     * @param labels their labels [N]
     * @return the result per image
     */
    AttackResult run(Module model, Tensor images, Tensor labels);

    /** {@return whether {@link #runTargeted} is implemented} */
    default boolean supportsTargeted() {
        return false;
    }

    /**
     * Targeted: succeeds on an image when the model predicts its target class.
     *
     * @param model   the model, in evaluation mode
     * @param images  the images [N, ...] in [0,1]
     * @param targets the target class of each image [N]
     * @return the result per image
     */
    default AttackResult runTargeted(Module model, Tensor images, Tensor targets) {
        throw new UnsupportedOperationException(name() + " has no targeted mode");
    }
}
