package dev.lipreg.tribuo;

import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.common.sgd.AbstractLinearSGDModel;
import org.tribuo.math.la.DenseMatrix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tribuo models as LipReg networks on a {@link FeatureSpace}, so the same
 * attacks and gradient statistics apply to all of them: a {@link LipRegModel}
 * as it is (in its own space), and Tribuo's linear SGD models (logistic
 * regression, linear SVM) with the space's scaling folded into the weights:
 * for x = min + range∘u, W·x + b = (W∘range)·u + (W·min + b). The logits'
 * order is the model's label ids.
 */
final class TabularNetworks {
    private TabularNetworks() {
    }

    static NetworkState of(Model<Label> model, FeatureSpace space) {
        if (model instanceof LipRegModel m) {
            if (!FeatureSpace.of(m).scaling().equals(space.scaling()) || !sameFeatures(m, space)) {
                throw new IllegalArgumentException("a LipRegModel is attacked in its own feature space; pass FeatureSpace.of(model)");
            }
            return m.network();
        }
        if (model instanceof AbstractLinearSGDModel<Label> linear) return folded(linear, space);
        throw new IllegalArgumentException("TabularRobustness evaluates LipRegModel and Tribuo's linear SGD models (e.g. logistic regression), got "
                + model.getClass().getName());
    }

    private static boolean sameFeatures(Model<Label> m, FeatureSpace space) {
        if (m.getFeatureIDMap().size() != space.size()) return false;
        for (int j = 0; j < space.size(); j++) {
            if (!m.getFeatureIDMap().get(j).getName().equals(space.features().get(j).getName())) return false;
        }
        return true;
    }

    private static NetworkState folded(AbstractLinearSGDModel<Label> model, FeatureSpace space) {
        DenseMatrix w = model.getWeightsCopy(); // [classes, features + 1], the bias last
        int k = w.getDimension1Size(), bias = w.getDimension2Size() - 1, f = space.size();
        double[] min = space.scaling().min(), max = space.scaling().max();
        float[] weight = new float[k * f];
        float[] b = new float[k];
        for (int c = 0; c < k; c++) {
            double offset = w.get(c, bias);
            for (int j = 0; j < f; j++) {
                int id = model.getFeatureIDMap().getID(space.features().get(j).getName());
                if (id < 0) continue; // a feature the model never saw has no weight
                double range = space.scaling().scale(j) > 0 ? max[j] - min[j] : 0;
                weight[c * f + j] = (float) (w.get(c, id) * range);
                offset += w.get(c, id) * min[j];
            }
            b[c] = (float) offset;
        }
        ModelSpec spec = new ModelSpec("tribuo-linear", new int[]{1, 1, f}, k,
                List.of(LayerSpec.of("flatten"), LayerSpec.of("linear", "in", f, "out", k)));
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.put("1.weight", new int[]{k, f});
        values.put("1.weight", weight);
        shapes.put("1.bias", new int[]{k});
        values.put("1.bias", b);
        return new NetworkState(spec.toJson(), shapes, values);
    }
}
