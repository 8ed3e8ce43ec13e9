package dev.lipreg.eval;

import dev.lipreg.attacks.BoundaryAttack;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Fgsm;
import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.attacks.TestModels;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Error curves, minimal distances, their minimum over attacks, batching and progress. */
class RobustnessTest {
    static final int N = 10;

    /** The small CNN with its own predictions as labels, except images 0 and 3, whose labels are wrong. */
    record Setup(Sequential model, Tensor x, Tensor labels) {
    }

    static Setup setup() {
        Sequential model = TestModels.smallCnn(4, 5);
        Tensor x = TestModels.variedImages(N, 1, 8, 8, 6);
        long[] y = TestModels.predictedLabels(model, x).toLongArray();
        y[0] = (y[0] + 1) % 4;
        y[3] = (y[3] + 2) % 4;
        return new Setup(model, x, Tensor.ofLabels(x.backend(), y));
    }

    @Test
    void misclassifiedImagesHaveDistanceZeroAndCountAtEveryEpsilon() {
        try (Scope s = Scope.open()) {
            Setup t = setup();
            ErrorCurve curve = Robustness.errorCurve(t.model(), t.x(), t.labels(), Fgsm.linf(0), new double[]{0, 0.01, 0.05, 0.2}, 4, null);
            assertEquals(0.2, curve.errors()[0], 1e-12); // the two wrong labels
            for (int j = 1; j < 4; j++) assertTrue(curve.errors()[j] >= 0.2);
            DistanceReport df = Robustness.minimalDistances(t.model(), t.x(), t.labels(), DeepFool.of(Norm.L2), Norm.L2, 4, Progress.none());
            assertEquals(0, df.distances()[0]);
            assertEquals(0, df.distances()[3]);
            for (int i : new int[]{1, 2, 4, 5, 6, 7, 8, 9}) assertTrue(df.distances()[i] > 0);
            DistanceReport pgd = Robustness.bisection(t.model(), t.x(), t.labels(), Pgd.l2(0, 8), 2, 8, 4, Progress.none());
            assertEquals(0, pgd.distances()[0]);
            assertEquals(0, pgd.distances()[3]);
        }
    }

    @Test
    void minimumOverAttacksAndTheCurveItImplies() {
        try (Scope s = Scope.open()) {
            Setup t = setup();
            DistanceReport df = Robustness.minimalDistances(t.model(), t.x(), t.labels(), DeepFool.of(Norm.L2), Norm.L2, N, null);
            DistanceReport boundary = Robustness.minimalDistances(t.model(), t.x(), t.labels(), BoundaryAttack.of(150, 1), Norm.L2, N, null);
            DistanceReport pgd = Robustness.bisection(t.model(), t.x(), t.labels(), Pgd.l2(0, 8).withRandomStart(false), 2, 10, N, null);
            DistanceReport best = DistanceReport.minimum(List.of(df, boundary, pgd));
            for (int i = 0; i < N; i++) {
                double m = Math.min(df.distances()[i], Math.min(boundary.distances()[i], pgd.distances()[i]));
                assertEquals(m, best.distances()[i]);
                String who = best.bestAttack()[i];
                double won = who.equals("deepfool-l2") ? df.distances()[i] : who.equals("boundary") ? boundary.distances()[i] : pgd.distances()[i];
                assertEquals(m, won);
            }
            assertEquals("deepfool-l2+boundary+pgd-l2-bisection", best.attack());
            assertEquals(df.seconds() + boundary.seconds() + pgd.seconds(), best.seconds(), 1e-12);
            double[] eps = {0, 0.05, 0.1, 0.2, 0.5, 1, 100};
            ErrorCurve curve = best.curve(eps);
            assertEquals(0.2, curve.errors()[0], 1e-12);
            for (int j = 1; j < eps.length; j++) assertTrue(curve.errors()[j] >= curve.errors()[j - 1]);
            assertEquals(1.0, curve.errors()[eps.length - 1]);
            double[] sorted = best.distances().clone();
            java.util.Arrays.sort(sorted);
            assertEquals((sorted[4] + sorted[5]) / 2, best.median(), 1e-15);
            System.out.printf("median l2 distance: deepfool %.4f, boundary %.4f, pgd %.4f, best %.4f%n", df.median(), boundary.median(), pgd.median(), best.median());
        }
    }

    @Test
    void batchingDoesNotChangeResultsAndProgressReachesTheTotal() {
        try (Scope s = Scope.open()) {
            Setup t = setup();
            List<long[]> updates = new ArrayList<>();
            DistanceReport whole = Robustness.minimalDistances(t.model(), t.x(), t.labels(), DeepFool.of(Norm.LINF), Norm.LINF, N, null);
            DistanceReport parts = Robustness.minimalDistances(t.model(), t.x(), t.labels(), DeepFool.of(Norm.LINF), Norm.LINF, 3,
                    (done, total) -> updates.add(new long[]{done, total}));
            assertArrayEquals(whole.distances(), parts.distances(), 1e-12);
            assertEquals(4, updates.size());
            assertArrayEquals(new long[]{N, N}, updates.getLast());
            for (int i = 1; i < updates.size(); i++) assertTrue(updates.get(i)[0] > updates.get(i - 1)[0]);
            List<long[]> curveUpdates = new ArrayList<>();
            Robustness.errorCurve(t.model(), t.x(), t.labels(), Fgsm.linf(0), new double[]{0.01, 0.02}, 5, (d, tot) -> curveUpdates.add(new long[]{d, tot}));
            assertArrayEquals(new long[]{2 * N, 2 * N}, curveUpdates.getLast());
        }
    }

    @Test
    void badArguments() {
        try (Scope s = Scope.open()) {
            Setup t = setup();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Robustness.bisection(t.model(), t.x(), t.labels(), Pgd.l2(0, 2), 0, 4, 4, null));
            assertTrue(e.getMessage().contains("maxEpsilon must be finite and > 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Robustness.errorCurve(t.model(), t.x(), t.labels(), Fgsm.linf(0), new double[]{0.1, -0.1}, 4, null));
            assertTrue(e.getMessage().contains("epsilons[1] must be finite and >= 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Robustness.minimalDistances(t.model(), t.x(), t.labels(), DeepFool.of(Norm.L2), Norm.L2, 0, null));
            assertTrue(e.getMessage().contains("batchSize must be >= 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> DistanceReport.minimum(List.of(
                    new DistanceReport("a", Norm.L2, new double[2], new String[2], 0), new DistanceReport("b", Norm.LINF, new double[2], new String[2], 0))));
            assertTrue(e.getMessage().contains("same 2 images in l2"), e.getMessage());
        }
    }
}
