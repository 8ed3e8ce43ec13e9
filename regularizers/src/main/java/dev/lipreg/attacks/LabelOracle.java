package dev.lipreg.attacks;

import dev.lipreg.tensor.Tensor;

/**
 * A classifier seen only through its decisions: images in, labels out. The
 * decision-based {@link BoundaryAttack} gets nothing else, so it cannot use
 * logits or gradients.
 */
public interface LabelOracle {

    /**
     * The predicted label of each image of a batch [N, ...].
     *
     * @param images the batch
     * @return one label per image
     */
    int[] predict(Tensor images);

    /** {@return the number of classes (known after the first {@link #predict} at the latest)} */
    int classes();
}
