package dev.lipreg.attacks;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Boundary attack against a classifier that is not a model at all: a Java
 * rule behind a {@link LabelOracle} (no logits, no graph, nothing to
 * differentiate). "Mean pixel above 0.5" has the exact minimal ℓ2 distance
 * |mean − 0.5|·√D, which the attack approaches from above.
 */
class BoundaryOracleTest {
    static final int N = 5, D = 36;

    static final class MeanRule implements LabelOracle {
        long queries;

        @Override
        public int[] predict(Tensor images) {
            double[] v = images.toDoubleArray();
            int n = images.dim(0), d = v.length / n;
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) s += v[i * d + j];
                out[i] = s / d > 0.5 ? 1 : 0;
            }
            queries += n;
            return out;
        }

        @Override
        public int classes() {
            return 2;
        }
    }

    @Test
    void convergesFromAboveUsingOnlyLabels() {
        try (Scope s = Scope.open()) {
            Tensor x = TestModels.variedImages(N, 1, 6, 6, 4);
            double[] v = x.toDoubleArray();
            MeanRule oracle = new MeanRule();
            Tensor labels = Tensor.ofLabels(x.backend(), oracle.predict(x));
            long before = oracle.queries;
            AttackResult r = BoundaryAttack.of(1500, 7).run(oracle, x, labels);
            assertTrue(oracle.queries > before);
            for (int i = 0; i < N; i++) {
                double mean = 0;
                for (int j = 0; j < D; j++) mean += v[i * D + j] / D;
                double exact = Math.abs(mean - 0.5) * Math.sqrt(D);
                assertTrue(r.success()[i], "image " + i);
                assertTrue(r.l2()[i] >= exact * (1 - 1e-12), "image " + i + " undercuts the exact distance");
                assertTrue(r.l2()[i] <= exact * 1.05, "image " + i + ": " + r.l2()[i] + " vs exact " + exact);
            }
            assertEquals(Shape.of(N, 1, 6, 6), r.adversarial().shape());
        }
    }

    @Test
    void sameSeedSameRun() {
        try (Scope s = Scope.open()) {
            Tensor x = TestModels.variedImages(3, 1, 6, 6, 4);
            MeanRule oracle = new MeanRule();
            Tensor labels = Tensor.ofLabels(x.backend(), oracle.predict(x));
            AttackResult a = BoundaryAttack.of(200, 9).run(oracle, x, labels);
            AttackResult b = BoundaryAttack.of(200, 9).run(oracle, x, labels);
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.adversarial().toDoubleArray(), b.adversarial().toDoubleArray());
        }
    }
}
