package dev.lipreg.tribuo;

import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.classification.Label;

import org.tribuo.transform.TransformTrainer;
import org.tribuo.transform.TransformationMap;
import org.tribuo.transform.TransformedModel;
import org.tribuo.transform.transformations.LinearScalingTransformation;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tabular robustness report checked against closed forms on Tribuo's (linear) logistic regression. */
class TabularRobustnessTest {
    private static final FeatureSpace SPACE = FeatureSpace.fit(Models.SPLIT.train());

    /** The folded network's weights A [2, F] and bias b [2]: logits = A·u + b in SPACE. */
    private static double[][] folded(Model<Label> model, FeatureSpace space) {
        NetworkState s = TabularNetworks.of(model, space);
        float[] w = s.values("1.weight"), b = s.values("1.bias");
        int f = space.size();
        double[][] ab = new double[2][f + 1];
        for (int c = 0; c < 2; c++) {
            for (int j = 0; j < f; j++) ab[c][j] = w[c * f + j];
            ab[c][f] = b[c];
        }
        return ab;
    }

    private static double logit(double[] row, float[] u) {
        double z = row[u.length];
        for (int j = 0; j < u.length; j++) z += row[j] * u[j];
        return z;
    }

    @Test
    void logisticRegressionFoldsIntoAnyFeatureSpaceExactly() {
        double[] lo = new double[30], hi = new double[30];
        Arrays.fill(lo, -0.5);
        Arrays.fill(hi, 2.0);
        FeatureSpace wide = new FeatureSpace(SPACE.features(), new FeatureScaling(lo, hi));
        Model<Label> lr = Models.logistic();
        double[][] ab = folded(lr, wide);
        int compared = 0;
        for (Example<Label> ex : Models.SPLIT.test()) {
            double[] raw = DenseFeatures.of(ex, wide.features()).values();
            if (Arrays.stream(raw).anyMatch(v -> v < -0.5 || v > 2)) continue; // clipped: the spaces differ there by design
            float[] u = wide.apply(ex);
            double z0 = logit(ab[0], u), z1 = logit(ab[1], u);
            double p0 = 1 / (1 + Math.exp(z1 - z0));
            String label0 = lr.getOutputIDInfo().getOutput(0).getLabel();
            assertEquals(lr.predict(ex).getOutputScores().get(label0).getScore(), p0, 1e-5);
            compared++;
        }
        assertTrue(compared > 100, "compared " + compared);
    }

    @Test
    void gradientNormsAndLinfErrorMatchTheClosedFormsOfALinearModel() {
        Model<Label> lr = Models.logistic();
        double[] eps = {0.02, 0.05, 0.1};
        TabularRobustnessReport r = TabularRobustness.evaluate(lr, Models.SPLIT.test(),
                SPACE, new TabularRobustness.Settings(eps, new double[0], 20, 1, 0, 256));
        double[][] ab = folded(lr, SPACE);
        int n = Models.SPLIT.test().size();
        double sumL2 = 0, maxL2 = 0, sumL1 = 0;
        int[] broken = new int[eps.length];
        for (Example<Label> ex : Models.SPLIT.test()) {
            float[] u = SPACE.apply(ex);
            int y = lr.getOutputIDInfo().getID(ex.getOutput()), o = 1 - y;
            double zy = logit(ab[y], u), zo = logit(ab[o], u);
            double pOther = 1 / (1 + Math.exp(zy - zo));
            // ∇ᵤ CE = Aᵀ(p − e_y) = pOther·(A_o − A_y) for two classes
            double l2 = 0, l1 = 0, margin = zy - zo;
            double[] reduction = new double[eps.length];
            for (int j = 0; j < u.length; j++) {
                double a = ab[y][j] - ab[o][j];
                double g = pOther * -a;
                l2 += g * g;
                l1 += Math.abs(g);
                // the best ℓ∞ move of feature j lowers the margin by |a|·(room toward the box face, at most ε)
                for (int k = 0; k < eps.length; k++) reduction[k] += Math.abs(a) * Math.min(eps[k], a > 0 ? u[j] : 1 - u[j]);
            }
            sumL2 += Math.sqrt(l2);
            maxL2 = Math.max(maxL2, Math.sqrt(l2));
            sumL1 += l1;
            for (int k = 0; k < eps.length; k++) if (margin - reduction[k] < 0) broken[k]++;
        }
        assertEquals(sumL2 / n, r.meanGradL2(), 1e-4 * (sumL2 / n));
        assertEquals(maxL2, r.maxGradL2(), 1e-4 * maxL2);
        assertEquals(sumL1 / n, r.meanGradL1(), 1e-4 * (sumL1 / n));
        for (int k = 0; k < eps.length; k++) {
            // PGD reaches the optimal box corner of a linear model; float rounding may flip a boundary case
            assertEquals((double) broken[k] / n, r.linfErrors()[k], 1.0 / n + 1e-12, "ε = " + eps[k]);
        }
        assertTrue(r.linfErrors()[2] > r.linfErrors()[0], "a larger budget breaks more: " + Arrays.toString(r.linfErrors()));
    }

    @Test
    void lipRegModelsAreAttackedInTheirOwnSpaceAndCleanErrorMatchesTribuo() {
        LipRegModel m = Models.plain();
        TabularRobustnessReport r = TabularRobustness.evaluate(m, Models.SPLIT.test(),
                new TabularRobustness.Settings(new double[]{0, 0.05}, new double[]{0.25}, 10, 1, 0, 64));
        assertEquals(0, r.linfErrors()[0] - r.cleanError(), 1e-12, "ε = 0 is the clean error");
        assertTrue(r.linfErrors()[1] >= r.cleanError());
        assertEquals(1 - r.tribuoAccuracy(), r.cleanError(), 2.0 / r.examples(), "clipping to the training range changes at most a few");
        double[] lo = new double[30], hi = new double[30];
        Arrays.fill(hi, 2);
        FeatureSpace other = new FeatureSpace(SPACE.features(), new FeatureScaling(lo, hi));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularRobustness.evaluate(m, Models.SPLIT.test(), other, TabularRobustness.Settings.defaults()));
        assertTrue(e.getMessage().contains("its own feature space"), e.getMessage());
    }

    /** Inside Tribuo's TransformTrainer, attacks act after its feature scaling: as on the pre-scaled data. */
    @Test
    void aModelWrappedByTribuosTransformTrainerIsAttackedAfterItsScaling() {
        BreastCancer.Split raw = BreastCancer.rawSplit(7, 0.75);
        TransformTrainer<Label> wrapped = new TransformTrainer<>(Models.base().epochs(3).lipschitz(0.03).build(),
                new TransformationMap(List.of(new LinearScalingTransformation(0, 1))));
        TransformedModel<Label> model = wrapped.train(raw.train());
        TabularRobustness.Settings settings = new TabularRobustness.Settings(new double[]{0.05}, new double[]{0.25}, 10, 1, 0, 64);
        TabularRobustnessReport viaWrapper = TabularRobustness.evaluate(model, raw.test(), settings);
        LipRegModel inner = (LipRegModel) model.getInnerModel();
        TabularRobustnessReport direct = TabularRobustness.evaluate(inner, Models.SPLIT.test(), settings);
        assertEquals(direct.tribuoAccuracy(), viaWrapper.tribuoAccuracy());
        assertArrayEquals(direct.linfErrors(), viaWrapper.linfErrors());
        assertArrayEquals(direct.l2Errors(), viaWrapper.l2Errors());
        assertEquals(direct.meanGradL2(), viaWrapper.meanGradL2(), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularRobustness.evaluate(Models.logistic(), Models.SPLIT.test(), settings));
        assertTrue(e.getMessage().contains("pass a FeatureSpace"), e.getMessage());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new TabularRobustness.Settings(new double[]{-1}, new double[0], 10, 1, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> new TabularRobustness.Settings(new double[0], new double[0], 0, 1, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> new TabularRobustness.Settings(null, new double[0], 10, 1, 0, 8));
    }

    /** The network the report attacks computes the model's own scores (checked on the LipReg side too). */
    @Test
    void theAttackedNetworkIsTheModel() {
        LipRegModel m = Models.plain();
        Example<Label> ex = Models.SPLIT.test().getExample(3);
        float[] u = m.toFeatureSpace(ex);
        try (Scope s = Scope.open()) {
            Module net = TabularNetworks.of(m, FeatureSpace.of(m)).build(Backends.auto());
            float[] z = net.forward(Variable.constant(Tensor.of(Backends.auto(), u, 1, 1, 1, 30))).value().toFloatArray();
            double p0 = 1 / (1 + Math.exp(z[1] - z[0]));
            assertEquals(m.predict(ex).getOutputScores().get(m.getOutputIDInfo().getOutput(0).getLabel()).getScore(), p0, 1e-6);
        }
    }
}
