package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The finite-difference (tulip) penalty against the exact one, on noise inputs (no kinks or ties). */
class FiniteDifferenceTest {
    private final Backend ref = Backends.reference();

    private Sequential smoothCnn() {
        Init init = new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 5);
        return Sequential.of(new Conv2d(init, 1, 3, 3, 1, 1), Activation.tanh(), new Flatten(), new Linear(init, 3 * 36, 4));
    }

    private Sequential reluCnn() {
        Init init = new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 6);
        return Sequential.of(new Conv2d(init, 1, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(2), new Flatten(),
                new Linear(init, 4 * 16, 16), Activation.relu(), new Linear(init, 16, 5));
    }

    private Tensor noise(int n, int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n * side * side];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble();
        return ref.fromArray(v, Shape.of(n, 1, side, side));
    }

    private Tensor labels(int n, int classes) {
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = i % classes;
        return Tensor.ofLabels(ref, y);
    }

    /** Per-example estimate of the norm at step h (h = 0: exact). */
    private double[] norms(Sequential m, Tensor x, Tensor y, Norm norm, double h) {
        PenaltyMode mode = h == 0 ? PenaltyMode.exact() : new PenaltyMode.FiniteDifference(h);
        RobustObjective o = new RobustObjective(Loss.crossEntropy(), List.of(new GradientPenalty(PenaltyKind.TOTAL_VARIATION, 1.0, norm)),
                mode, GradientTarget.LOSS, null);
        // TV with weight 1 is the mean norm; evaluate per example through a batch of one
        double[] out = new double[x.dim(0)];
        for (int i = 0; i < out.length; i++) {
            Tensor xi = x.backend().slice(x, 0, i, i + 1);
            Tensor yi = y.backend().slice(y, 0, i, i + 1);
            out[i] = o.evaluate(m, xi, yi).penalties().values().iterator().next();
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Norm.class)
    void convergesToExactAtFirstOrder(Norm norm) {
        try (Scope s = Scope.open()) {
            Sequential m = smoothCnn();
            Tensor x = noise(4, 6, 3), y = labels(4, 4);
            double[] exact = norms(m, x, y, norm, 0);
            double[] h1 = norms(m, x, y, norm, 1e-2), h2 = norms(m, x, y, norm, 5e-3), h3 = norms(m, x, y, norm, 2.5e-3);
            for (int i = 0; i < exact.length; i++) {
                double e1 = Math.abs(h1[i] - exact[i]), e2 = Math.abs(h2[i] - exact[i]), e3 = Math.abs(h3[i] - exact[i]);
                // first order: halving h halves the error (second-order terms are much smaller here)
                assertTrue(e1 / e2 > 1.8 && e1 / e2 < 2.2, norm + " example " + i + ": errors " + e1 + ", " + e2);
                assertTrue(e2 / e3 > 1.8 && e2 / e3 < 2.2, norm + " example " + i + ": errors " + e2 + ", " + e3);
                assertTrue(e3 < 1e-2 * exact[i], norm + " example " + i + ": estimate " + h3[i] + " vs exact " + exact[i]);
            }
        }
    }

    /** Parameter gradients of the whole objective in each mode point the same way. */
    @Test
    void exactAndFiniteDifferenceGiveTheSameTrainingDirection() {
        try (Scope s = Scope.open()) {
            Sequential m = reluCnn();
            Tensor x = noise(16, 8, 9), y = labels(16, 5);
            RobustObjective exact = RobustObjective.paper(0.1, 0.01, Norm.LINF);
            double[] a = flatGradient(m, exact.evaluate(m, x, y).total());
            double[] b = flatGradient(m, exact.withMode(PenaltyMode.finiteDifference()).evaluate(m, x, y).total());
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < a.length; i++) {
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += b[i] * b[i];
            }
            double cosine = dot / Math.sqrt(na * nb);
            assertTrue(cosine > 0.9, "cosine of exact and finite-difference parameter gradients: " + cosine);
        }
    }

    private static double[] flatGradient(Sequential m, Variable total) {
        List<Variable> ps = new ArrayList<>(m.parameters().values());
        List<Variable> gs = Autograd.grad(List.of(total), ps, null, false);
        List<Double> flat = new ArrayList<>();
        for (Variable g : gs) for (double v : g.value().toDoubleArray()) flat.add(v);
        return flat.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
