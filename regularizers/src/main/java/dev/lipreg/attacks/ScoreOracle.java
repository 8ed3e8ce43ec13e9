package dev.lipreg.attacks;

import dev.lipreg.tensor.Tensor;

/**
 * A classifier seen only through its output scores (logits or probabilities):
 * what the score-based {@link Square} attack gets, no gradients, no graph.
 * Labels are the argmax of the scores.
 */
public interface ScoreOracle extends LabelOracle {

    /**
     * Scores [N, classes] of a batch [N, ...].
     *
     * @param images the batch
     * @return the scores
     */
    Tensor scores(Tensor images);

    @Override
    default int[] predict(Tensor images) {
        return PerImage.argmax(scores(images));
    }
}
