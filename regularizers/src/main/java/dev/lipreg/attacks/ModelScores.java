package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

/** A {@link ScoreOracle} over a model: its logits, computed without recording a graph; counts queries. */
public final class ModelScores implements ScoreOracle {
    private final Module model;
    private int classes = -1;
    private long queries;

    /**
     * A score oracle returning {@code model}'s logits.
     *
     * @param model the model, in evaluation mode
     */
    public ModelScores(Module model) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        this.model = model;
    }

    @Override
    public Tensor scores(Tensor images) {
        Tensor logits = PerImage.logits(model, images);
        if (logits.rank() != 2 || logits.dim(0) != images.dim(0)) {
            throw new IllegalArgumentException("model must map [N, ...] images to logits [N, classes], got " + logits.shape() + " for " + images.shape());
        }
        classes = logits.dim(1);
        queries += images.dim(0);
        return logits;
    }

    @Override
    public int classes() {
        if (classes < 0) throw new IllegalStateException("classes unknown before the first query");
        return classes;
    }

    /**
     * Images scored so far.
     *
     * @return the query count
     */
    public long queries() {
        return queries;
    }
}
