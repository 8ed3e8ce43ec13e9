package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Square attack against a classifier that is not a model: a Java rule
 * behind a {@link ScoreOracle} (scores only: no graph, nothing to
 * differentiate). Two classes with scores (0, w·x + b): the exact minimal
 * distances are |w·x + b|/‖w‖₁ (ℓ∞) and /‖w‖₂ (ℓ2); the attack breaks images a
 * little beyond them, never within them, and respects its budget and the box.
 */
class SquareOracleTest {
    static final int N = 6, D = 36;

    static final class LinearRule implements ScoreOracle {
        final double[] w = new double[D];
        final double b;
        long queries;

        LinearRule() {
            for (int j = 0; j < D; j++) w[j] = Math.sin(1.7 * j + 0.3);
            double s = 0;
            for (int j = 0; j < D; j++) s += w[j] * 0.5;
            b = -s;
        }

        double f(double[] v, int i) {
            double s = b;
            for (int j = 0; j < D; j++) s += w[j] * v[i * D + j];
            return s;
        }

        @Override
        public Tensor scores(Tensor images) {
            double[] v = images.toDoubleArray();
            int n = images.dim(0);
            double[] z = new double[2 * n];
            for (int i = 0; i < n; i++) z[2 * i + 1] = f(v, i);
            queries += n;
            return images.backend().fromArray(z, Shape.of(n, 2));
        }

        @Override
        public int classes() {
            return 2;
        }
    }

    @Test
    void breaksImagesJustBeyondTheExactDistanceUsingOnlyScores() {
        try (Scope s = Scope.open()) {
            Tensor x = TestModels.variedImages(N, 1, 6, 6, 4);
            double[] v = x.toDoubleArray();
            LinearRule rule = new LinearRule();
            Tensor labels = Tensor.ofLabels(x.backend(), rule.predict(x));
            double n1 = Arrays.stream(rule.w).map(Math::abs).sum(), n2 = Math.sqrt(Arrays.stream(rule.w).map(a -> a * a).sum());
            for (Norm norm : new Norm[]{Norm.LINF, Norm.L2}) {
                double[] exact = new double[N], beyond = new double[N], within = new double[N];
                for (int i = 0; i < N; i++) {
                    exact[i] = Math.abs(rule.f(v, i)) / (norm == Norm.LINF ? n1 : n2);
                    beyond[i] = 1.1 * exact[i];
                    within[i] = 0.98 * exact[i];
                }
                long before = rule.queries;
                AttackResult r = Square.of(norm, 0, 2000, 3).run(rule, x, labels, beyond, false);
                assertTrue(rule.queries > before);
                double[] dist = r.distances(norm), adv = r.adversarial().toDoubleArray();
                for (int i = 0; i < N; i++) {
                    assertTrue(dist[i] <= beyond[i] * (1 + 1e-9), norm + " image " + i + ": outside the budget");
                    System.out.printf("square-%s image %d: exact %.4f, budget %.4f, %s%n", norm.label(), i, exact[i], beyond[i], r.success()[i] ? "broken" : "not broken");
                }
                for (double a : adv) assertTrue(a >= 0 && a <= 1);
                assertTrue(r.successCount() >= N - 1, norm + ": broke " + r.successCount() + " of " + N + " at 1.1x the exact distance");
                assertEquals(0, Square.of(norm, 0, 300, 3).run(rule, x, labels, within, false).successCount(), norm + ": broke an image within its exact distance");
            }
        }
    }

    @Test
    void sameSeedSameRun() {
        try (Scope s = Scope.open()) {
            Tensor x = TestModels.variedImages(3, 1, 6, 6, 4);
            LinearRule rule = new LinearRule();
            Tensor labels = Tensor.ofLabels(x.backend(), rule.predict(x));
            double[] eps = {0.05, 0.05, 0.05};
            AttackResult a = Square.of(Norm.LINF, 0, 100, 9).run(rule, x, labels, eps, false);
            AttackResult b = Square.of(Norm.LINF, 0, 100, 9).run(rule, x, labels, eps, false);
            assertArrayEquals(a.adversarial().toDoubleArray(), b.adversarial().toDoubleArray());
        }
    }
}
