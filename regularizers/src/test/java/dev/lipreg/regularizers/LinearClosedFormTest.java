package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
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

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * For a linear softmax classifier z = Wx + b with cross-entropy, everything is
 * known in closed form: g_i = Wᵀδ_i with δ_i = p_i − e_{y_i}, and for a penalty
 * R(g_i) with ∂R/∂g = r_i, dR = r_iᵀ(dWᵀδ_i + WᵀJ_i(dW x_i + db)), J = diag(p) − ppᵀ:
 * ∂R/∂W = δ_i r_iᵀ + (J_i W r_i) x_iᵀ and ∂R/∂b = J_i W r_i.
 * r = g/‖g‖₂ for ℓ2, sign(g) for ℓ1, g for ½‖g‖₂².
 */
class LinearClosedFormTest {
    static final int N = 5, K = 4;
    static final int[] IMAGE = {1, 2, 3};
    static final int D = 6;
    static final double TOL = 1e-10;

    private final Backend ref = Backends.reference();

    /** The classifier's parameters in plain arrays, and the batch. */
    record Problem(double[][] w, double[] b, double[][] x, int[] y) {
    }

    private static Problem problem() {
        SplittableRandom r = new SplittableRandom(17);
        double[][] w = new double[K][D];
        double[] b = new double[K];
        double[][] x = new double[N][D];
        int[] y = new int[N];
        for (double[] row : w) for (int j = 0; j < D; j++) row[j] = r.nextDouble(-1, 1);
        for (int k = 0; k < K; k++) b[k] = r.nextDouble(-0.5, 0.5);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) x[i][j] = r.nextDouble(0.05, 0.95);
            y[i] = r.nextInt(K);
        }
        return new Problem(w, b, x, y);
    }

    private Sequential model(Problem p) {
        Sequential m = Sequential.of(new Flatten(), new Linear(new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 1), D, K));
        double[] wf = new double[K * D];
        for (int k = 0; k < K; k++) System.arraycopy(p.w()[k], 0, wf, k * D, D);
        m.parameters().get("1.weight").assign(ref.fromArray(wf, Shape.of(K, D)));
        m.parameters().get("1.bias").assign(ref.fromArray(p.b(), Shape.of(K)));
        return m;
    }

    private Tensor images(Problem p) {
        double[] v = new double[N * D];
        for (int i = 0; i < N; i++) System.arraycopy(p.x()[i], 0, v, i * D, D);
        return ref.fromArray(v, Shape.of(N, IMAGE[0], IMAGE[1], IMAGE[2]));
    }

    /** p_i, δ_i and g_i of the closed form. */
    private static double[][][] softmaxDeltaGrad(Problem p) {
        double[][] prob = new double[N][K], delta = new double[N][K], g = new double[N][D];
        for (int i = 0; i < N; i++) {
            double max = Double.NEGATIVE_INFINITY;
            double[] z = new double[K];
            for (int k = 0; k < K; k++) {
                z[k] = p.b()[k];
                for (int j = 0; j < D; j++) z[k] += p.w()[k][j] * p.x()[i][j];
                max = Math.max(max, z[k]);
            }
            double sum = 0;
            for (int k = 0; k < K; k++) sum += Math.exp(z[k] - max);
            for (int k = 0; k < K; k++) {
                prob[i][k] = Math.exp(z[k] - max) / sum;
                delta[i][k] = prob[i][k] - (k == p.y()[i] ? 1 : 0);
            }
            for (int j = 0; j < D; j++) for (int k = 0; k < K; k++) g[i][j] += p.w()[k][j] * delta[i][k];
        }
        return new double[][][]{prob, delta, g};
    }

    @Test
    void inputGradientIsWTransposeDelta() {
        try (Scope s = Scope.open()) {
            Problem p = problem();
            InputGradient ig = InputGradient.compute(model(p), Loss.crossEntropy(), images(p), Tensor.ofLabels(ref, p.y()), GradientTarget.LOSS, false);
            double[] got = ig.grad().value().toDoubleArray();
            double[][] g = softmaxDeltaGrad(p)[2];
            for (int i = 0; i < N; i++) for (int j = 0; j < D; j++) assertEquals(g[i][j], got[i * D + j], TOL);
        }
    }

    enum Case { LIPSCHITZ_L2, TV_L1, SQUARED_L2, TV_L2 }

    private static GradientPenalty penalty(Case c) {
        return switch (c) {
            case LIPSCHITZ_L2 -> GradientPenalty.lipschitz(0.1);
            case TV_L1 -> GradientPenalty.totalVariation(0.01, Norm.LINF);
            case SQUARED_L2 -> GradientPenalty.squared(0.3, Norm.L2);
            case TV_L2 -> GradientPenalty.totalVariation(0.05, Norm.L2);
        };
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void penaltyValueAndWeightGradientMatchClosedForm(Case c) {
        try (Scope s = Scope.open()) {
            Problem p = problem();
            GradientPenalty pen = penalty(c);
            Sequential m = model(p);
            InputGradient ig = InputGradient.compute(m, Loss.crossEntropy(), images(p), Tensor.ofLabels(ref, p.y()), GradientTarget.LOSS, true);
            Variable value = pen.apply(Norms.perExample(pen.norm(), ig.grad()));
            var params = List.<Variable>of(m.parameters().get("1.weight"), m.parameters().get("1.bias"));
            List<Variable> grads = Autograd.grad(List.of(value), params, null, false);

            double[][][] pdg = softmaxDeltaGrad(p);
            double[][] prob = pdg[0], delta = pdg[1], g = pdg[2];
            double[] norms = new double[N];
            double[][] r = new double[N][D];
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < D; j++) norms[i] += pen.norm() == Norm.L1 ? Math.abs(g[i][j]) : g[i][j] * g[i][j];
                if (pen.norm() == Norm.L2) norms[i] = Math.sqrt(norms[i]);
                for (int j = 0; j < D; j++) {
                    r[i][j] = switch (pen.kind()) {
                        case SQUARED -> g[i][j];
                        default -> pen.norm() == Norm.L1 ? Math.signum(g[i][j]) : g[i][j] / norms[i];
                    };
                }
            }
            // value and per-example weights of ∂(penalty)/∂R_i
            double[] coef = new double[N];
            double expected;
            switch (pen.kind()) {
                case LIPSCHITZ -> {
                    int arg = 0;
                    for (int i = 1; i < N; i++) if (norms[i] > norms[arg]) arg = i;
                    expected = pen.weight() * norms[arg];
                    coef[arg] = pen.weight();
                }
                case TOTAL_VARIATION -> {
                    double sum = 0;
                    for (double n : norms) sum += n;
                    expected = pen.weight() * sum / N;
                    java.util.Arrays.fill(coef, pen.weight() / N);
                }
                default -> {
                    double sum = 0;
                    for (double n : norms) sum += n * n;
                    expected = pen.weight() / 2 * sum / N;
                    java.util.Arrays.fill(coef, pen.weight() / N);
                }
            }
            assertEquals(expected, value.item(), TOL, "penalty value");

            double[] dW = new double[K * D], db = new double[K];
            for (int i = 0; i < N; i++) {
                double[] wr = new double[K];
                for (int k = 0; k < K; k++) for (int j = 0; j < D; j++) wr[k] += p.w()[k][j] * r[i][j];
                double[] jwr = new double[K];
                double pwr = 0;
                for (int k = 0; k < K; k++) pwr += prob[i][k] * wr[k];
                for (int k = 0; k < K; k++) jwr[k] = prob[i][k] * wr[k] - prob[i][k] * pwr;
                for (int k = 0; k < K; k++) {
                    db[k] += coef[i] * jwr[k];
                    for (int j = 0; j < D; j++) dW[k * D + j] += coef[i] * (delta[i][k] * r[i][j] + jwr[k] * p.x()[i][j]);
                }
            }
            assertArrayEquals(dW, grads.get(0).value().toDoubleArray(), TOL, "∂penalty/∂W");
            assertArrayEquals(db, grads.get(1).value().toDoubleArray(), TOL, "∂penalty/∂b");
        }
    }
}
