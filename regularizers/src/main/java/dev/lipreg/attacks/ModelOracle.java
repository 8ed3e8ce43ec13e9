package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/** A {@link LabelOracle} over a model: argmax of its logits, computed without recording a graph; counts queries. */
public final class ModelOracle implements LabelOracle {
    private final Module model;
    private int classes = -1;
    private long queries;

    /**
     * A label oracle asking {@code model} (in evaluation mode) for its predictions.
     *
     * @param model the model
     */
    public ModelOracle(Module model) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        this.model = model;
    }

    @Override
    public int[] predict(Tensor images) {
        Tensor logits = PerImage.logits(model, images);
        if (logits.rank() != 2 || logits.dim(0) != images.dim(0)) {
            throw new IllegalArgumentException("model must map [N, ...] images to logits [N, classes], got " + logits.shape()
                    + " for " + images.shape());
        }
        classes = logits.dim(1);
        queries += images.dim(0);
        return PerImage.argmax(logits);
    }

    @Override
    public int classes() {
        if (classes < 0) throw new IllegalStateException("classes unknown before the first prediction");
        return classes;
    }

    /**
     * Images classified so far.
     *
     * @return the query count
     */
    public long queries() {
        return queries;
    }
}
