package dev.lipreg.tribuo;

import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;

/**
 * A Tribuo example as a dense row in the feature map's id order. Features the
 * example does not mention are 0 (Tribuo's sparse convention); features the
 * map does not know are ignored, as Tribuo's own models do.
 */
record DenseFeatures(double[] values, int used) {

    static DenseFeatures of(Example<?> example, ImmutableFeatureMap map) {
        double[] row = new double[map.size()];
        int used = 0;
        for (Feature f : example) {
            int id = map.getID(f.getName());
            if (id >= 0) {
                row[id] = f.getValue();
                used++;
            }
        }
        return new DenseFeatures(row, used);
    }

    /** Like {@link #of}, but an example with none of the model's features is an error, as in Tribuo's models. */
    static DenseFeatures forPrediction(Example<?> example, ImmutableFeatureMap map) {
        DenseFeatures d = of(example, map);
        if (d.used == 0) throw new IllegalArgumentException("No features found in Example " + example);
        return d;
    }
}
