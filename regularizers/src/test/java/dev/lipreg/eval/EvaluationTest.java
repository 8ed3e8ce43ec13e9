package dev.lipreg.eval;

import dev.lipreg.attacks.TestModels;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library's evaluation: slices reproduce one run record for record, the merge's arithmetic, and a linear model's closed form. */
class EvaluationTest {

    /** Randomized attacks (PGD random start, APGD, Square) included: they restart their seed per batch. */
    static EvalSettings settings(int batch) {
        return EvalSettings.builder().epsL2(0.1, 0.5).epsLinf(0.05).attacks("pgd", "apgd", "square", "deepfool", "bisect")
                .attack(AttackSettings.builder().pgdSteps(3).bisectionSteps(3).squareQueries(20).batch(batch).build()).seed(7).build();
    }

    @Test
    void slicesAlignedToAttackBatchesReproduceTheWholeRunRecordForRecord() {
        try (Scope s = Scope.open()) {
            RobustnessTest.Setup t = RobustnessTest.setup();
            EvalSettings settings = settings(4);
            double lip = Evaluation.bound(t.model(), new int[]{1, 8, 8}).value();
            EvalPart whole = Evaluation.run(t.model(), t.x(), t.labels(), 0, settings, lip, null);
            List<EvalPart> parts = new ArrayList<>();
            for (int from : new int[]{8, 0, 4}) { // any order: concat sorts by first image
                int to = Math.min(RobustnessTest.N, from + 4);
                Tensor x = t.x().backend().slice(t.x(), 0, from, to), y = t.labels().backend().slice(t.labels(), 0, from, to);
                parts.add(Evaluation.run(t.model(), x, y, from, settings, lip, Evaluation.Monitor.none()));
            }
            EvalPart joined = EvalPart.concat(parts);
            assertEquals(whole.records(), joined.records());
            assertEquals(whole.seconds().keySet(), joined.seconds().keySet());

            LipschitzUpperBound.Bound bound = Evaluation.bound(t.model(), new int[]{1, 8, 8});
            EvalReport.ModelReport a = EvalReport.ModelReport.of("m", "", "cnn", settings, whole, bound, 0);
            EvalReport.ModelReport b = EvalReport.ModelReport.of("m", "", "cnn", settings, joined, bound, 0);
            assertEquals(a.cleanError(), b.cleanError());
            assertEquals(a.medianDistance(), b.medianDistance());
            assertEquals(a.gradients(), b.gradients());
            assertArrayEquals(a.errors().get("l2").error(), b.errors().get("l2").error());
            assertArrayEquals(a.certification().accuracy(), b.certification().accuracy());
            assertEquals(0.2, a.cleanError(), 1e-12); // the setup's two wrong labels
            assertTrue(a.distanceAttacks().get("l2").contains("deepfool"), a.distanceAttacks().toString());
        }
    }

    @Test
    void aSliceMustStartOnABatchBoundaryAndSlicesMustCoverEveryImageOnce() {
        try (Scope s = Scope.open()) {
            RobustnessTest.Setup t = RobustnessTest.setup();
            EvalSettings settings = EvalSettings.builder().attacks("fgsm").certify(false).attack(AttackSettings.builder().batch(4).build()).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Evaluation.run(t.model(), t.x(), t.labels(), 2, settings, Double.NaN, null));
            assertTrue(e.getMessage().contains("multiple of the attack batch size 4"), e.getMessage());
            EvalPart p0 = Evaluation.run(t.model(), t.x(), t.labels(), 0, settings, Double.NaN, null);
            EvalPart shifted = new EvalPart(20, p0.records().stream().map(r -> new ImageRecord(r.index() + 20, r.label(), r.correct(),
                    r.gradL2(), r.gradL1(), r.certifiedRadius(), r.outcomes())).toList(), Map.of());
            e = assertThrows(IllegalArgumentException.class, () -> EvalPart.concat(List.of(p0, shifted)));
            assertTrue(e.getMessage().contains("expected a slice starting at 10, got one starting at 20"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> EvalPart.concat(List.of(p0, p0)));
            assertNull(EvalReport.ModelReport.of("m", "", "cnn", settings, p0, null, 0).certification());
        }
    }

    @Test
    void theMergeCountsImagesAndTakesExactMediansOverAllOfThem() {
        // 4 images, 2 budgets; a fixed-budget attack and two minimal-distance attacks in ℓ2.
        EvalSettings settings = EvalSettings.builder().epsL2(0.5, 1).epsLinf().attacks("pgd", "deepfool", "cw").build();
        double inf = Double.POSITIVE_INFINITY;
        List<ImageRecord> r = List.of(
                image(0, true, 1.0, 0b00, 0.8, 0.6),   // minimal 0.6: broken at 1 only
                image(1, true, 2.0, 0b10, 2.0, inf),   // pgd breaks at 1; distances 2
                image(2, false, 0.0, 0b11, 0.0, 0.0),  // misclassified: broken everywhere, distance 0
                image(3, true, 0.7, 0b00, 0.4, 0.9));  // minimal 0.4: broken at 0.5 and 1
        EvalReport.ModelReport m = EvalReport.ModelReport.of("m", "c", "lin", settings, new EvalPart(0, r, Map.of("pgd", 1.0)),
                new LipschitzUpperBound.Bound(List.of(), 2.0), 3);
        assertEquals(0.25, m.cleanError());
        EvalReport.Curve c = m.errors().get("l2");
        assertArrayEquals(new double[]{0.25, 0.5}, c.byAttack().get("pgd"));
        assertArrayEquals(new double[]{0.5, 0.75}, c.byAttack().get("deepfool")); // distances 0.8, 2, 0, 0.4
        assertArrayEquals(new double[]{0.25, 0.75}, c.byAttack().get("cw"));      // distances 0.6, ∞, 0, 0.9
        assertArrayEquals(new double[]{0.5, 1.0}, c.error());                      // union per image
        assertEquals((0.4 + 0.6) / 2, m.medianDistance().get("l2"), 1e-15);      // per image min: 0.6, 2, 0, 0.4
        assertEquals("deepfool+cw", m.distanceAttacks().get("l2"));
        assertArrayEquals(new double[]{0.75, 0.5}, m.certification().accuracy()); // radii 1, 2, (wrong), 0.7
        assertEquals(0.85, m.certification().medianRadius(), 1e-15);             // radii 0, 0.7, 1, 2
        assertEquals(2.0, m.certification().lipschitzBound());
        String table = EvalReport.of("toy", settings, List.of(m)).markdown();
        assertTrue(table.contains("| m | 25.0% | 50.0% | 100.0% | 0.500 |"), table);
    }

    private static ImageRecord image(int i, boolean correct, double radius, long pgdBroken, double deepfool, double cw) {
        return new ImageRecord(i, 0, correct, i, 2 * i, radius, List.of(
                new ImageRecord.Outcome("l2", "pgd", pgdBroken, Double.NaN),
                new ImageRecord.Outcome("l2", "deepfool", bits(deepfool), deepfool),
                new ImageRecord.Outcome("l2", "cw", bits(cw), cw)));
    }

    private static long bits(double d) {
        return (d <= 0.5 ? 1 : 0) | (d <= 1 ? 2 : 0);
    }

    /**
     * A 2-class linear model f = Wx + b: the minimal ℓ2 distance is |f₁ − f₀| / ‖w₁ − w₀‖₂ and the certified radius is
     * |f₁ − f₀| / (√2·L), so their ratio is ‖w₁ − w₀‖₂ / (√2·L) ≤ 1 for any sound L ≥ σ_max(W).
     */
    @Test
    void aLinearModelsDistancesAndCertificatesMatchTheClosedForm() {
        try (Scope s = Scope.open()) {
            Sequential model = TestModels.linear(2, 11);
            Linear lin = (Linear) model.layers().get(1);
            double[] w = TestModels.marginWeights(lin);
            double wn = 0;
            for (double v : w) wn += v * v;
            wn = Math.sqrt(wn);
            Tensor x = TestModels.centeredImages(12, 0.25, 12);
            long[] y = TestModels.predictedLabels(model, x).toLongArray();
            float[] pixels = new float[12 * 16];
            double[] xd = x.toDoubleArray();
            for (int i = 0; i < pixels.length; i++) pixels[i] = (float) xd[i];
            int[] labels = new int[12];
            for (int i = 0; i < 12; i++) labels[i] = (int) y[i];
            Dataset data = new Dataset(pixels, labels, 12, 1, 4, 4, 2, "centered");
            EvalSettings settings = EvalSettings.builder().epsL2(0.05, 0.1).epsLinf().attacks("deepfool").build();
            EvalReport report = Robustness.evaluate(model, data, settings);
            EvalReport.ModelReport m = report.models().getFirst();
            assertEquals(0, m.cleanError());
            double lip = m.certification().lipschitzBound();
            assertTrue(wn / Math.sqrt(2) <= lip * (1 + 1e-9), "L ≥ σ_max(W) ≥ ‖w₁ − w₀‖/√2");
            // exact distances from the float32 pixels the dataset holds
            double b = TestModels.marginBias(lin);
            double[] exact = new double[12], radius = new double[12];
            for (int i = 0; i < 12; i++) {
                double f = b;
                for (int j = 0; j < 16; j++) f += w[j] * pixels[i * 16 + j];
                exact[i] = Math.abs(f) / wn;
                radius[i] = Math.abs(f) / (Math.sqrt(2) * lip);
                assertTrue(radius[i] <= exact[i]);
            }
            double[] sortedExact = exact.clone(), sortedRadius = radius.clone();
            java.util.Arrays.sort(sortedExact);
            java.util.Arrays.sort(sortedRadius);
            // DeepFool on a linear model: one step to the boundary, overshoot 2% (+1e-4)
            assertEquals(1.02 * ((sortedExact[5] + sortedExact[6]) / 2 + 1e-4), m.medianDistance().get("l2"), 1e-5);
            assertEquals((sortedRadius[5] + sortedRadius[6]) / 2, m.certification().medianRadius(), 1e-6);
            for (int j = 0; j < 2; j++) {
                double eps = settings.epsL2()[j];
                long certified = java.util.Arrays.stream(radius).filter(r -> r >= eps).count();
                assertEquals((double) certified / 12, m.certification().accuracy()[j], 1e-12);
            }
            assertTrue(report.markdown().startsWith("| model | clean err | err ℓ2 0.0500 | err ℓ2 0.100 | median ℓ2 dist |"), report.markdown());
        }
    }
}
