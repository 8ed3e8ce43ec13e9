package dev.lipreg.nn;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient of the input-gradient norm R = Σ_i ‖∇ₓ CE(f(x_i), y_i)‖₂ of a two-layer tanh
 * network f(x) = W2·tanh(W1 x + b1) + b2, computed by LipReg with double backprop, against a
 * closed form derived by hand and evaluated in plain Java doubles.
 *
 * <h2>Derivation (one example; R sums over examples)</h2>
 * Forward: z = W1x + b1, h = tanh z, s = 1 − h² (= tanh'(z)), o = W2h + b2, p = softmax o.
 * Input gradient of CE = −log p_y: δ = ∂CE/∂o = p − e_y; u = ∂CE/∂h = W2ᵀδ; v = ∂CE/∂z = s⊙u;
 * g = ∂CE/∂x = W1ᵀv. R = ‖g‖, so dR = rᵀdg with r = g/‖g‖.
 * <pre>
 * dg = dW1ᵀ v + W1ᵀ dv                        ⇒ rᵀdg = vᵀ dW1 r + aᵀ dv,      a = W1 r
 *   vᵀ dW1 r = ⟨v rᵀ, dW1⟩                    ⇒ ∂R/∂W1 ∋ v rᵀ
 * dv = ds⊙u + s⊙du                            ⇒ aᵀdv = (a⊙u)ᵀ ds + cᵀ du,      c = a⊙s
 * du = dW2ᵀ δ + W2ᵀ dδ                        ⇒ cᵀdu = ⟨δ cᵀ, dW2⟩ + (W2c)ᵀ dδ   (∂R/∂W2 ∋ δ cᵀ)
 * dδ = J do, J = diag(p) − ppᵀ (symmetric)    ⇒ (W2c)ᵀ J do = qᵀ do,          q = J W2 c
 * do = dW2 h + db2 + W2 dh                    ⇒ ∂R/∂W2 ∋ q hᵀ, ∂R/∂b2 = q, and (W2ᵀq)ᵀ dh
 * ds = −2 h⊙dh                                ⇒ (a⊙u)ᵀ ds = −2 (a⊙u⊙h)ᵀ dh
 * dh = s⊙dz                                   ⇒ total on dz: wᵀdz, w = s⊙(W2ᵀq) − 2·a⊙u⊙h⊙s
 * dz = dW1 x + db1                            ⇒ ∂R/∂W1 ∋ w xᵀ, ∂R/∂b1 = w
 * </pre>
 * So ∂R/∂W1 = v rᵀ + w xᵀ, ∂R/∂b1 = w, ∂R/∂W2 = δ cᵀ + q hᵀ, ∂R/∂b2 = q.
 * The derivation itself is checked against central finite differences of R.
 */
class ClosedFormPenaltyGradientTest {
    private static final int N = 3, IN = 5, HIDDEN = 4, CLASSES = 3;

    /** Parameters and inputs as plain arrays (Linear's weight layout: [out, in]). */
    record Net(double[][] w1, double[] b1, double[][] w2, double[] b2) {
    }

    /** ∂R/∂(W1, b1, W2, b2), R, and the input gradients g_i. */
    record ClosedForm(double[][] dW1, double[] db1, double[][] dW2, double[] db2, double r, double[][] g) {
    }

    static ClosedForm closedForm(Net n, double[][] x, int[] y) {
        double[][] dW1 = new double[HIDDEN][IN], dW2 = new double[CLASSES][HIDDEN];
        double[] db1 = new double[HIDDEN], db2 = new double[CLASSES];
        double[][] gs = new double[x.length][];
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double[] z = add(matVec(n.w1, x[i]), n.b1);
            double[] h = new double[HIDDEN], s = new double[HIDDEN];
            for (int j = 0; j < HIDDEN; j++) {
                h[j] = Math.tanh(z[j]);
                s[j] = 1 - h[j] * h[j];
            }
            double[] p = softmax(add(matVec(n.w2, h), n.b2));
            double[] delta = p.clone();
            delta[y[i]] -= 1;
            double[] u = matTVec(n.w2, delta);
            double[] v = hadamard(s, u);
            double[] g = matTVec(n.w1, v);
            double norm = norm(g);
            total += norm;
            gs[i] = g;
            double[] r = scale(g, 1 / norm);
            double[] a = matVec(n.w1, r);
            double[] c = hadamard(a, s);
            double[] w2c = matVec(n.w2, c);
            double pw = dot(p, w2c);
            double[] q = new double[CLASSES]; // J W2 c = p⊙(W2c) − p (pᵀW2c)
            for (int k = 0; k < CLASSES; k++) q[k] = p[k] * w2c[k] - p[k] * pw;
            double[] w2tq = matTVec(n.w2, q);
            double[] w = new double[HIDDEN];
            for (int j = 0; j < HIDDEN; j++) w[j] = s[j] * w2tq[j] - 2 * a[j] * u[j] * h[j] * s[j];
            for (int j = 0; j < HIDDEN; j++) {
                for (int m = 0; m < IN; m++) dW1[j][m] += v[j] * r[m] + w[j] * x[i][m];
                db1[j] += w[j];
            }
            for (int k = 0; k < CLASSES; k++) {
                for (int j = 0; j < HIDDEN; j++) dW2[k][j] += delta[k] * c[j] + q[k] * h[j];
                db2[k] += q[k];
            }
        }
        return new ClosedForm(dW1, db1, dW2, db2, total, gs);
    }

    /** R alone, for finite differences. */
    static double penalty(Net n, double[][] x, int[] y) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double[] h = add(matVec(n.w1, x[i]), n.b1);
            double[] s = new double[HIDDEN];
            for (int j = 0; j < HIDDEN; j++) {
                h[j] = Math.tanh(h[j]);
                s[j] = 1 - h[j] * h[j];
            }
            double[] delta = softmax(add(matVec(n.w2, h), n.b2));
            delta[y[i]] -= 1;
            total += norm(matTVec(n.w1, hadamard(s, matTVec(n.w2, delta))));
        }
        return total;
    }

    private static Net randomNet(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return new Net(matrix(rng, HIDDEN, IN, 0.8), vector(rng, HIDDEN, 0.5), matrix(rng, CLASSES, HIDDEN, 1.0), vector(rng, CLASSES, 0.5));
    }

    private static final int[] LABELS = {2, 0, 1};

    @Test
    void closedFormMatchesFiniteDifferences() {
        Net net = randomNet(1);
        double[][] x = matrix(new SplittableRandom(2), N, IN, 1.0);
        ClosedForm cf = closedForm(net, x, LABELS);
        assertEquals(penalty(net, x, LABELS), cf.r(), 1e-14);
        double h = 1e-6;
        double worst = 0;
        // every entry of every parameter, perturbed in place
        for (int t = 0; t < 4; t++) {
            double[][] param = switch (t) {
                case 0 -> net.w1();
                case 1 -> new double[][]{net.b1()};
                case 2 -> net.w2();
                default -> new double[][]{net.b2()};
            };
            double[][] grad = switch (t) {
                case 0 -> cf.dW1();
                case 1 -> new double[][]{cf.db1()};
                case 2 -> cf.dW2();
                default -> new double[][]{cf.db2()};
            };
            for (int i = 0; i < param.length; i++) {
                for (int j = 0; j < param[i].length; j++) {
                    double keep = param[i][j];
                    param[i][j] = keep + h;
                    double up = penalty(net, x, LABELS);
                    param[i][j] = keep - h;
                    double down = penalty(net, x, LABELS);
                    param[i][j] = keep;
                    double numeric = (up - down) / (2 * h);
                    worst = Math.max(worst, Math.abs(numeric - grad[i][j]) / (1e-3 + Math.abs(numeric)));
                }
            }
        }
        System.err.printf("closed form vs finite differences: worst relative error %.2e%n", worst);
        // measured: ~1e-9 (central differences with h = 1e-6 in float64)
        assertTrue(worst < 1e-6, "closed form vs finite differences: worst relative error " + worst);
    }

    @Test
    void lipregDoubleBackpropMatchesClosedForm() {
        Backend ref = Backends.reference();
        try (Scope scope = Scope.open()) {
            Init init = new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 99);
            Linear l1 = new Linear(init, IN, HIDDEN);
            Linear l2 = new Linear(init, HIDDEN, CLASSES);
            Net net = randomNet(7);
            l1.weight().assign(ref.fromArray(flatten(net.w1()), Shape.of(HIDDEN, IN)));
            l1.bias().assign(ref.fromArray(net.b1(), Shape.of(HIDDEN)));
            l2.weight().assign(ref.fromArray(flatten(net.w2()), Shape.of(CLASSES, HIDDEN)));
            l2.bias().assign(ref.fromArray(net.b2(), Shape.of(CLASSES)));
            Sequential model = Sequential.of(l1, Activation.tanh(), l2);

            double[][] x = matrix(new SplittableRandom(8), N, IN, 1.5);
            Tensor labels = Tensor.ofLabels(ref, LABELS);
            Variable input = Variable.leaf(ref.fromArray(flatten(x), Shape.of(N, IN)));
            Variable ce = Loss.crossEntropy().perExample(model.forward(input), labels);
            Variable g = Autograd.grad(Ops.sum(ce), input, true); // rows are the per-example ∇ₓ CE
            Variable r = Ops.sum(Ops.normL2(g, false, 1));
            List<Variable> grads = Autograd.grad(List.of(r),
                    List.of(l1.weight(), l1.bias(), l2.weight(), l2.bias()), null, false);

            ClosedForm cf = closedForm(net, x, LABELS);
            double tol = 1e-10;
            assertEquals(cf.r(), r.item(), tol * cf.r(), "R");
            assertClose(flatten(cf.g()), g.value().toDoubleArray(), tol, "g = ∇ₓ CE");
            assertClose(flatten(cf.dW1()), grads.get(0).value().toDoubleArray(), tol, "∂R/∂W1");
            assertClose(cf.db1(), grads.get(1).value().toDoubleArray(), tol, "∂R/∂b1");
            assertClose(flatten(cf.dW2()), grads.get(2).value().toDoubleArray(), tol, "∂R/∂W2");
            assertClose(cf.db2(), grads.get(3).value().toDoubleArray(), tol, "∂R/∂b2");
            for (Variable gr : grads) assertTrue(!gr.requiresGrad(), "createGraph=false gives constants");
        }
    }

    private static void assertClose(double[] expected, double[] actual, double relTol, String what) {
        double err = TorchOracle.scaledError(actual, expected);
        System.err.printf("closed form vs LipReg, %s: %.2e%n", what, err);
        assertTrue(err <= relTol, what + ": max error " + err + " relative to max magnitude (tolerance " + relTol + ")");
    }

    // ----------------------------------------------------------------- plain linear algebra

    private static double[][] matrix(SplittableRandom rng, int rows, int cols, double bound) {
        double[][] m = new double[rows][];
        for (int i = 0; i < rows; i++) m[i] = vector(rng, cols, bound);
        return m;
    }

    private static double[] vector(SplittableRandom rng, int n, double bound) {
        return rng.doubles(n, -bound, bound).toArray();
    }

    private static double[] flatten(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        return out;
    }

    private static double[] matVec(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) out[i] = dot(m[i], v);
        return out;
    }

    private static double[] matTVec(double[][] m, double[] v) {
        double[] out = new double[m[0].length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < out.length; j++) out[j] += m[i][j] * v[i];
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] + b[i];
        return out;
    }

    private static double[] hadamard(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * b[i];
        return out;
    }

    private static double[] scale(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * s;
        return out;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double[] softmax(double[] o) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : o) max = Math.max(max, v);
        double[] p = new double[o.length];
        double sum = 0;
        for (int i = 0; i < o.length; i++) sum += p[i] = Math.exp(o[i] - max);
        for (int i = 0; i < o.length; i++) p[i] /= sum;
        return p;
    }
}
