package dev.lipreg.eval;

import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.attacks.TestModels;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Sequential;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.regularizers.PenaltyMode;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's checks (docs/evaluation.md, "The paper's checks") against closed
 * forms on linear classifiers z = Wx + b [N,1,4,4] → K (reference backend, float64).
 */
class TheoryChecksTest {
    static final int D = 16;

    @Test
    void correlationsMatchHandComputedValues() {
        assertEquals(1, Correlation.pearson(new double[]{1, 2, 3, 4}, new double[]{2, 4, 6, 8}), 1e-15);
        assertEquals(-1, Correlation.pearson(new double[]{1, 2, 3, 4}, new double[]{-2, -4, -6, -8}), 1e-15);
        // dx = (−1, 0, 1), dy = (−1, 1, 0): 1 / √(2·2)
        assertEquals(0.5, Correlation.pearson(new double[]{1, 2, 3}, new double[]{1, 3, 2}), 1e-15);
        // ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): 4.5 / √(4.5·5)
        assertEquals(4.5 / Math.sqrt(22.5), Correlation.spearman(new double[]{1, 2, 2, 3}, new double[]{1, 3, 2, 4}), 1e-15);
        double[] x = {0.1, 5, 2, 3, -1};
        double[] monotone = Arrays.stream(x).map(v -> Math.exp(3 * v)).toArray();
        assertEquals(1, Correlation.spearman(x, monotone), 1e-15);
        assertTrue(Correlation.pearson(x, monotone) < 0.9, "Pearson sees the curvature Spearman ignores");
        assertTrue(Double.isNaN(Correlation.pearson(new double[]{1, 1}, new double[]{1, 2})), "constant sample");
        assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[]{1, 2}, new double[]{1}));
        assertThrows(IllegalArgumentException.class, () -> Correlation.spearman(new double[]{1}, new double[]{1}));
        assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[]{1, Double.NaN}, new double[]{1, 2}));
    }

    /** margin z_y − z_k* and ‖W_y − W_k*‖ (k* the best other class), in ℓ2 and, for ℓ∞ threats, ℓ1. */
    @Test
    void firstOrderEstimateOfALinearModelIsItsClosedForm() {
        try (Scope s = Scope.open()) {
            int classes = 3, n = 9;
            Sequential m = TestModels.linear(classes, 5);
            Tensor x = TestModels.centeredImages(n, 0.3, 6);
            Tensor y = Tensor.ofLabels(TestModels.REF, new int[]{0, 1, 2, 0, 1, 2, 0, 1, 2}); // some misclassified: negative margins
            double[] w = weights(m), z = dev.lipreg.attacks.PerImage.logits(m, x).toDoubleArray();
            long[] labels = y.toLongArray();
            FirstOrderDistance.Estimates l2 = FirstOrderDistance.of(m, x, y, Norm.L2, 4, null);
            FirstOrderDistance.Estimates linf = FirstOrderDistance.of(m, x, y, Norm.LINF, 4, null);
            boolean negative = false;
            for (int i = 0; i < n; i++) {
                int yi = (int) labels[i], k = -1;
                for (int c = 0; c < classes; c++) if (c != yi && (k < 0 || z[i * classes + c] > z[i * classes + k])) k = c;
                double margin = z[i * classes + yi] - z[i * classes + k], n2 = 0, n1 = 0;
                for (int j = 0; j < D; j++) {
                    double d = w[yi * D + j] - w[k * D + j];
                    n2 += d * d;
                    n1 += Math.abs(d);
                }
                negative |= margin < 0;
                assertEquals(margin, l2.margins()[i], 1e-12);
                assertEquals(Math.sqrt(n2), l2.gradientNorms()[i], 1e-12);
                assertEquals(margin / Math.sqrt(n2), l2.estimates()[i], 1e-12);
                assertEquals(n1, linf.gradientNorms()[i], 1e-12);
                assertEquals(margin / n1, linf.estimates()[i], 1e-12);
            }
            assertTrue(negative, "the labels include misclassified images");
        }
    }

    /**
     * Two classes: f₁ − f₀ = w·x + b, so the exact minimal ℓ2 distance |w·x + b| / ‖w‖₂ is the first-order
     * estimate itself (correlation 1); the strong attacks' smallest distance comes within their tolerances of it.
     */
    @Test
    void onATwoClassLinearModelTheEstimateIsTheMinimalDistance() {
        try (Scope s = Scope.open()) {
            Sequential m = TestModels.linear(2, 11);
            Linear lin = (Linear) m.layers().get(1);
            double[] w = TestModels.marginWeights(lin);
            double b = TestModels.marginBias(lin), n2 = Arrays.stream(w).map(v -> v * v).sum();
            // images near the centre, where every boundary passes: the minimizers stay in [0, 1]; distances ≥ 0.02 (CW resolves ~1e-4)
            double[] candidates = TestModels.centeredImages(64, 0.1, 12).toDoubleArray(), xs = new double[12 * D], exact = new double[12];
            int n = 0;
            for (int c = 0; c < 64 && n < exact.length; c++) {
                double f = b;
                for (int j = 0; j < D; j++) f += w[j] * candidates[c * D + j];
                if (Math.abs(f) / Math.sqrt(n2) < 0.02) continue;
                System.arraycopy(candidates, c * D, xs, n * D, D);
                exact[n++] = Math.abs(f) / Math.sqrt(n2);
            }
            assertEquals(exact.length, n);
            Tensor x = TestModels.REF.fromArray(xs, Shape.of(n, 1, 4, 4));
            Tensor y = TestModels.predictedLabels(m, x);
            FirstOrderDistance.Estimates e = FirstOrderDistance.of(m, x, y, Norm.L2, n, null);
            for (int i = 0; i < n; i++) assertEquals(exact[i], e.estimates()[i], 1e-12, "image " + i);

            String[] names = new String[n];
            Arrays.fill(names, "exact");
            DistanceCheck perfect = DistanceCheck.of(new DistanceReport("exact", Norm.L2, exact, names, 0), e);
            assertEquals(n, perfect.pairs());
            assertEquals(1, perfect.pearson(), 1e-12);
            assertEquals(1, perfect.spearman(), 1e-12);
            assertEquals(1, perfect.medianRatio(), 1e-12);

            DistanceReport attacks = DistanceReport.minimum(List.of(
                    Robustness.bisection(m, x, y, Pgd.l2(0, 20).withRandomStart(false), 0.5, 12, n, null),
                    Robustness.minimalDistances(m, x, y, CarliniWagnerL2.defaults().withSearch(5, 100), Norm.L2, n, null),
                    Robustness.minimalDistances(m, x, y, DeepFool.of(Norm.L2), Norm.L2, n, null)));
            DistanceCheck found = DistanceCheck.of(attacks, e);
            System.out.printf("two-class linear model: smallest attack distance / estimate median %.5f, Pearson %.6f, Spearman %.4f%n",
                    found.medianRatio(), found.pearson(), found.spearman());
            assertEquals(n, found.pairs());
            for (int i = 0; i < n; i++) {
                double ratio = attacks.distances()[i] / exact[i];
                assertTrue(ratio >= 1 - 1e-9 && ratio <= 1.01, "image " + i + ": no attack beats the exact distance; the best is within 1%: " + ratio);
            }
            assertTrue(found.pearson() > 0.9999, "Pearson " + found.pearson());
        }
    }

    @Test
    void pairingLeavesOutMisclassifiedAndUnbrokenImages() {
        double[] margins = {1, -1, 2, 3, 4}, norms = {1, 1, 1, 1, 0}, estimates = {1, -1, 2, 3, Double.POSITIVE_INFINITY};
        double[] distances = {1.5, 0, Double.POSITIVE_INFINITY, 4, 5};
        DistanceCheck c = DistanceCheck.of(new DistanceReport("a", Norm.L2, distances, new String[]{"a", "a", "a", "a", "a"}, 0),
                new FirstOrderDistance.Estimates(Norm.L2, margins, norms, estimates));
        assertEquals(List.of(true, false, false, true, false), List.of(c.paired()[0], c.paired()[1], c.paired()[2], c.paired()[3], c.paired()[4]));
        assertEquals(1, c.pearson(), 1e-15); // two points
        assertEquals((1.5 + 4.0 / 3) / 2, c.medianRatio(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> DistanceCheck.of(new DistanceReport("a", Norm.LINF, distances,
                new String[]{"a", "a", "a", "a", "a"}, 0), new FirstOrderDistance.Estimates(Norm.L2, margins, norms, estimates)));
    }

    /**
     * Cross-entropy of a linear model: ∇ₓℓ = Wᵀ(p − e_y), so Loss and the penalty terms λ·max‖g‖₂ and
     * ε·mean‖g‖₁ are closed forms; with f_λ = f₀ and zero weights the bound holds with equality.
     */
    @Test
    void lossBoundOfLinearModelsIsItsClosedForm() {
        try (Scope s = Scope.open()) {
            int classes = 3, n = 10;
            double lambda = 0.3, eps = 0.05;
            Sequential f0 = TestModels.linear(classes, 21), f1 = TestModels.linear(classes, 22);
            Tensor x = TestModels.centeredImages(n, 0.4, 23);
            Tensor y = Tensor.ofLabels(TestModels.REF, new int[]{0, 1, 2, 0, 1, 2, 0, 1, 2, 0});
            RobustObjective objective = new RobustObjective(Loss.crossEntropy(),
                    List.of(GradientPenalty.lipschitz(lambda), GradientPenalty.totalVariation(eps, Norm.LINF)), PenaltyMode.exact(),
                    GradientTarget.LOSS, null);
            LossBound bound = LossBound.measure(f0, f1, objective, x, y, 3, null);
            double[] e0 = closedForm(f0, x, y, classes, lambda, eps), e1 = closedForm(f1, x, y, classes, lambda, eps);
            for (var pair : List.of(new Object[]{bound.undefended(), e0}, new Object[]{bound.regularized(), e1})) {
                LossBound.Side side = (LossBound.Side) pair[0];
                double[] expected = (double[]) pair[1];
                assertEquals(expected[0], side.loss(), 1e-12);
                assertEquals(expected[1], side.penalties().get("lip(l2)"), 1e-12);
                assertEquals(expected[2], side.penalties().get("tv(l1)"), 1e-12);
                assertEquals(expected[0] + expected[1] + expected[2], side.objective(), 1e-12);
            }
            assertEquals(List.of("lip(l2)", "tv(l1)"), List.copyOf(bound.undefended().penalties().keySet()));
            assertEquals(e0[0] + e0[1] + e0[2], bound.bound(), 1e-12);
            assertEquals(e1[0] <= bound.bound(), bound.holds());
            assertEquals(bound.bound() - e1[0], bound.slack(), 1e-12);
            // the max is over all images, whatever the batch size
            LossBound oneBatch = LossBound.measure(f0, f1, objective, x, y, n, null);
            assertEquals(bound.undefended().penalties().get("lip(l2)"), oneBatch.undefended().penalties().get("lip(l2)"), 1e-15);

            RobustObjective zero = new RobustObjective(Loss.crossEntropy(), List.of(GradientPenalty.lipschitz(0)), PenaltyMode.exact(),
                    GradientTarget.LOSS, null);
            LossBound same = LossBound.measure(f0, f0, zero, x, y, 4, null);
            assertTrue(same.holds() && same.objectiveOrdered() && same.lossOrdered());
            assertEquals(0, same.slack(), 0.0, "λ = 0 and f_λ = f₀: equality");
            assertThrows(IllegalArgumentException.class, () -> LossBound.measure(f0, f1, RobustObjective.plain(Loss.crossEntropy()), x, y, 4, null));
        }
    }

    /** {mean CE, λ·max‖Wᵀ(p − e_y)‖₂, ε·mean‖Wᵀ(p − e_y)‖₁}. */
    private static double[] closedForm(Sequential m, Tensor x, Tensor y, int classes, double lambda, double eps) {
        double[] w = weights(m), z = dev.lipreg.attacks.PerImage.logits(m, x).toDoubleArray();
        long[] labels = y.toLongArray();
        int n = labels.length;
        double loss = 0, maxL2 = 0, sumL1 = 0;
        for (int i = 0; i < n; i++) {
            double zmax = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < classes; c++) zmax = Math.max(zmax, z[i * classes + c]);
            for (int c = 0; c < classes; c++) sum += Math.exp(z[i * classes + c] - zmax);
            double[] p = new double[classes];
            for (int c = 0; c < classes; c++) p[c] = Math.exp(z[i * classes + c] - zmax) / sum - (c == labels[i] ? 1 : 0);
            loss += zmax + Math.log(sum) - z[i * classes + (int) labels[i]];
            double l2 = 0, l1 = 0;
            for (int j = 0; j < D; j++) {
                double g = 0;
                for (int c = 0; c < classes; c++) g += w[c * D + j] * p[c];
                l2 += g * g;
                l1 += Math.abs(g);
            }
            maxL2 = Math.max(maxL2, Math.sqrt(l2));
            sumL1 += l1;
        }
        return new double[]{loss / n, lambda * maxL2, eps * sumL1 / n};
    }

    private static double[] weights(Sequential m) {
        return ((Linear) m.layers().get(1)).weight().value().toDoubleArray();
    }

    @Test
    void modelsInTrainingModeAndOtherNormsAreRefused() {
        try (Scope s = Scope.open()) {
            Sequential m = TestModels.linear(3, 5);
            Tensor x = TestModels.centeredImages(2, 0.3, 6), y = Tensor.ofLabels(TestModels.REF, new int[]{0, 1});
            assertThrows(IllegalArgumentException.class, () -> FirstOrderDistance.of(m, x, y, Norm.L1, 2, null));
            RobustObjective lip = RobustObjective.paper(0.1, 0.01, Norm.L2);
            m.train(true);
            assertThrows(IllegalArgumentException.class, () -> FirstOrderDistance.of(m, x, y, Norm.L2, 2, null));
            assertThrows(IllegalArgumentException.class, () -> LossBound.measure(TestModels.linear(3, 6), m, lip, x, y, 2, null));
        }
    }
}
