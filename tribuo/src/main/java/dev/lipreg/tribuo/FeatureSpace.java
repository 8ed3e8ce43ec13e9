package dev.lipreg.tribuo;

import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;

/**
 * Where tabular attacks happen: named features (a Tribuo feature map) and
 * their scaling to [0,1]. A {@link LipRegModel} defines its own; other models
 * are attacked in the space of a LipReg model trained on the same data, or in
 * one fitted to a dataset, so that ε means the same for every model compared.
 *
 * @param features the named features
 * @param scaling  their scaling to [0,1]
 */
public record FeatureSpace(ImmutableFeatureMap features, FeatureScaling scaling) {

    /** Checks that the feature map and the scaling agree in size. */
    public FeatureSpace {
        if (features == null || scaling == null) throw new IllegalArgumentException("features and scaling must not be null");
        if (features.size() != scaling.features()) {
            throw new IllegalArgumentException("feature map has " + features.size() + " features, the scaling " + scaling.features());
        }
    }

    /**
     * The space {@code model} was trained and is attacked in.
     *
     * @param model a trained LipReg model
     * @return its space
     */
    public static FeatureSpace of(LipRegModel model) {
        return new FeatureSpace(model.getFeatureIDMap(), model.featureScaling());
    }

    /**
     * The min-max space of {@code data}'s features, as {@link LipRegTrainer} would fit it.
     *
     * @param data a Tribuo dataset
     * @return its min-max space
     */
    public static FeatureSpace fit(Dataset<?> data) {
        ImmutableFeatureMap map = data.getFeatureIDMap();
        double[][] rows = new double[data.size()][];
        int i = 0;
        for (Example<?> ex : data) rows[i++] = DenseFeatures.of(ex, map).values();
        return new FeatureSpace(map, FeatureScaling.fit(rows, map.size()));
    }

    /** {@return the number of features} */
    public int size() {
        return features.size();
    }

    /**
     * {@code example} in this space.
     *
     * @param example an example with this space's features
     * @return its scaled features
     */
    public float[] apply(Example<?> example) {
        return scaling.apply(DenseFeatures.of(example, features).values());
    }
}
