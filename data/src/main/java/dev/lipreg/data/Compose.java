package dev.lipreg.data;

import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Augmentations applied one after another, all drawing from the same generator.
 *
 * @param steps the augmentations, in order
 */
public record Compose(List<Augmentation> steps) implements Augmentation {
    /** Copies the list; no step may be null. */
    public Compose {
        Objects.requireNonNull(steps, "steps");
        steps = List.copyOf(steps); // also rejects null steps
    }

    /**
     * The augmentations {@code steps}, in order.
     *
     * @param steps the augmentations
     * @return their composition
     */
    public static Compose of(Augmentation... steps) {
        return new Compose(List.of(steps));
    }

    @Override
    public void apply(float[] x, int n, int c, int h, int w, RandomGenerator rng) {
        BatchShape.check(x, n, c, h, w);
        for (Augmentation step : steps) {
            step.apply(x, n, c, h, w, rng);
        }
    }
}
