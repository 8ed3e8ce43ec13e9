package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.eval.DistanceReport;
import dev.lipreg.eval.Progress;
import dev.lipreg.eval.Robustness;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a 2-class linear classifier f₁ − f₀ = w·x + b (w, b: differences of the
 * rows of W and b) the minimal adversarial distances are exact:
 * |w·x + b|/‖w‖₂ in ℓ2 and |w·x + b|/‖w‖₁ in ℓ∞. The images are interior and
 * the minimizers x − (f/‖w‖²)w and x − (f/‖w‖₁)sign(w) are checked to lie in
 * [0,1], so clipping does not bind. Reference backend, float64.
 */
class LinearClassifierTest {
    static final int N = 8;
    /** Relative tolerances stated by this test (measured values in the report). */
    static final double PGD_TOL = 0.001, PGD_RANDOM_START_L2_TOL = 0.05, APGD_TOL = 0.001, CW_TOL = 0.01, SQUARE_TOL = 0.05;
    static double[] exactL2 = new double[N], exactLinf = new double[N];
    static double[] xs;
    Sequential model;

    @BeforeAll
    static void exact() {
        double[] w;
        double b;
        double[] candidates;
        try (Scope s = Scope.open()) {
            Linear lin = (Linear) TestModels.linear(2, 11).layers().get(1);
            w = TestModels.marginWeights(lin);
            b = TestModels.marginBias(lin);
            candidates = TestModels.centeredImages(64, 0.25, 12).toDoubleArray();
        }
        double n2 = 0, n1 = 0;
        for (double v : w) {
            n2 += v * v;
            n1 += Math.abs(v);
        }
        // the first N candidates whose distance is not tiny (CW's Adam steps resolve ~1e-4 absolute)
        xs = new double[N * 16];
        int i = 0;
        for (int c = 0; c < 64 && i < N; c++) {
            double f = b;
            for (int j = 0; j < 16; j++) f += w[j] * candidates[c * 16 + j];
            if (Math.abs(f) / Math.sqrt(n2) < 0.02) continue;
            System.arraycopy(candidates, c * 16, xs, i * 16, 16);
            exactL2[i] = Math.abs(f) / Math.sqrt(n2);
            exactLinf[i] = Math.abs(f) / n1;
            for (int j = 0; j < 16; j++) { // the minimizers are inside the box: clipping cannot help or hurt
                double l2Point = xs[i * 16 + j] - f / n2 * w[j], linfPoint = xs[i * 16 + j] - f / n1 * Math.signum(w[j]);
                assertTrue(l2Point > 0 && l2Point < 1 && linfPoint > 0 && linfPoint < 1, "test images must be interior");
            }
            i++;
        }
        assertEquals(N, i);
    }

    /** The model is rebuilt (deterministically) in each test's scope. */
    Tensor x() {
        model = TestModels.linear(2, 11);
        return TestModels.REF.fromArray(xs, dev.lipreg.tensor.Shape.of(N, 1, 4, 4));
    }

    Tensor labels(Tensor x) {
        return TestModels.predictedLabels(model, x);
    }

    @Test
    void deepFoolFindsTheExactDistanceInOneStep() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            AttackResult l2 = DeepFool.of(Norm.L2).run(model, x, labels(x));
            AttackResult linf = DeepFool.of(Norm.LINF).run(model, x, labels(x));
            AttackResult noOvershoot = new DeepFool(Norm.L2, 0, 50).run(model, x, labels(x));
            for (int i = 0; i < N; i++) {
                assertTrue(l2.success()[i] && linf.success()[i] && noOvershoot.success()[i]);
                // the exact distance plus DeepFool's 1e-4 push, times (1 + overshoot)
                assertEquals(1.02 * (exactL2[i] + 1e-4), l2.l2()[i], 1e-12);
                assertEquals(1.02 * (exactLinf[i] + 1e-4), linf.linf()[i], 1e-12);
                assertEquals(exactL2[i] + 1e-4, noOvershoot.l2()[i], 1e-12);
            }
        }
    }

    @Test
    void fgsmIsTheExactLinfAttackOfALinearModel() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            double[] above = new double[N], below = new double[N];
            for (int i = 0; i < N; i++) {
                above[i] = exactLinf[i] * (1 + 1e-9);
                below[i] = exactLinf[i] * (1 - 1e-9);
            }
            AttackResult hit = Fgsm.linf(0).run(model, x, labels(x), above);
            AttackResult miss = Fgsm.linf(0).run(model, x, labels(x), below);
            for (int i = 0; i < N; i++) {
                assertTrue(hit.success()[i], "image " + i);
                assertFalse(miss.success()[i], "image " + i);
            }
        }
    }

    @Test
    void pgdAndApgdBisectionComeWithinTolerance() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            Tensor y = labels(x);
            // from a random start the ℓ2 iterate keeps a component orthogonal to w that decays only once it is on the
            // sphere (the budget is partly spent sideways), hence a looser tolerance; without it PGD walks along w
            DistanceReport pgdL2 = Robustness.bisection(model, x, y, Pgd.l2(0, 20), 0.5, 14, N, Progress.none());
            DistanceReport pgdL2Plain = Robustness.bisection(model, x, y, Pgd.l2(0, 20).withRandomStart(false), 0.5, 14, N, Progress.none());
            DistanceReport pgdLinf = Robustness.bisection(model, x, y, Pgd.linf(0, 20), 0.2, 14, N, Progress.none());
            DistanceReport apgdLinf = Robustness.bisection(model, x, y, Apgd.linf(0, 10), 0.2, 14, N, Progress.none());
            DistanceReport bim = Robustness.bisection(model, x, y, Pgd.bim(0, 10), 0.2, 14, N, Progress.none());
            for (int i = 0; i < N; i++) {
                // plus the bisection's resolution maxEpsilon / 2^14
                within(exactL2[i], pgdL2.distances()[i], PGD_RANDOM_START_L2_TOL, 0.5 / (1 << 14), "pgd-l2");
                within(exactL2[i], pgdL2Plain.distances()[i], PGD_TOL, 0.5 / (1 << 14), "pgd-l2 (no random start)");
                within(exactLinf[i], pgdLinf.distances()[i], PGD_TOL, 0.2 / (1 << 14), "pgd-linf");
                within(exactLinf[i], apgdLinf.distances()[i], APGD_TOL, 0.2 / (1 << 14), "apgd-linf");
                within(exactLinf[i], bim.distances()[i], PGD_TOL, 0.2 / (1 << 14), "bim");
            }
            report("pgd-l2", pgdL2.distances(), exactL2);
            report("pgd-l2-0", pgdL2Plain.distances(), exactL2);
            report("pgd-linf", pgdLinf.distances(), exactLinf);
            report("apgd-linf", apgdLinf.distances(), exactLinf);
            report("bim", bim.distances(), exactLinf);
        }
    }

    @Test
    void carliniWagnerComesWithinTolerance() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            AttackResult r = CarliniWagnerL2.defaults().withSearch(8, 300).withInitialConst(1).run(model, x, labels(x));
            for (int i = 0; i < N; i++) {
                assertTrue(r.success()[i]);
                within(exactL2[i], r.l2()[i], CW_TOL, 0, "cw");
            }
            report("cw-l2", r.l2(), exactL2);
        }
    }

    @Test
    void boundaryAttackNeverUndercutsTheExactDistance() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            AttackResult r = BoundaryAttack.of(1500, 1).run(model, x, labels(x));
            for (int i = 0; i < N; i++) {
                assertTrue(r.success()[i]);
                assertTrue(r.l2()[i] >= exactL2[i] * (1 - 1e-12), "image " + i + ": " + r.l2()[i] + " < exact " + exactL2[i]);
                assertTrue(r.l2()[i] <= 1.05 * exactL2[i], "image " + i + ": boundary attack did not converge: " + r.l2()[i] + " vs " + exactL2[i]);
            }
            report("boundary", r.l2(), exactL2);
        }
    }

    @Test
    void targetedAttacksReachTheirTarget() {
        try (Scope s = Scope.open()) {
            Sequential three = TestModels.linear(3, 31);
            Tensor x = TestModels.centeredImages(6, 0.25, 32);
            long[] y = TestModels.predictedLabels(three, x).toLongArray();
            long[] t = new long[y.length];
            for (int i = 0; i < y.length; i++) t[i] = (y[i] + 1) % 3;
            Tensor targets = Tensor.ofLabels(x.backend(), t);
            for (Attack a : new Attack[]{Pgd.linf(0.4, 20), Pgd.l2(2, 20), Pgd.bim(0.4, 20), Apgd.linf(0.4, 20), Apgd.l2(2, 20),
                    CarliniWagnerL2.defaults().withSearch(6, 200).withInitialConst(1)}) {
                AttackResult r = a.runTargeted(three, x, targets);
                for (int i = 0; i < y.length; i++) {
                    assertTrue(r.success()[i] && r.predictions()[i] == t[i], a.name() + " image " + i + " predicted " + r.predictions()[i] + ", target " + t[i]);
                }
            }
        }
    }

    /** found ∈ [exact, exact·(1 + tol) + slack] up to rounding: no attack can beat the exact minimum. */
    /** The ensemble (APGD-CE, APGD-DLR-T, Square) by bisection reaches the exact minimal ℓ∞ and ℓ2 distances; so does Square alone, from scores. */
    @Test
    void ensembleBisectionReachesTheExactDistances() {
        try (Scope s = Scope.open()) {
            Tensor x = x();
            Tensor y = labels(x);
            DistanceReport linf = Robustness.bisection(model, x, y, Ensemble.standard(Norm.LINF, 0, 10, 300, 1), 0.2, 14, N, Progress.none());
            DistanceReport l2 = Robustness.bisection(model, x, y, Ensemble.standard(Norm.L2, 0, 10, 300, 1), 0.5, 14, N, Progress.none());
            DistanceReport square = Robustness.bisection(model, x, y, Square.of(Norm.LINF, 0, 1000, 2), 0.2, 10, N, Progress.none());
            for (int i = 0; i < N; i++) {
                within(exactLinf[i], linf.distances()[i], APGD_TOL, 0.2 / (1 << 14), "ensemble-linf");
                within(exactL2[i], l2.distances()[i], APGD_TOL, 0.5 / (1 << 14), "ensemble-l2");
                within(exactLinf[i], square.distances()[i], SQUARE_TOL, 0.2 / (1 << 10), "square-linf");
            }
            report("ensemble-linf", linf.distances(), exactLinf);
            report("ensemble-l2", l2.distances(), exactL2);
            report("square-linf", square.distances(), exactLinf);
        }
    }

    static void within(double exact, double found, double tol, double slack, String what) {
        assertTrue(found >= exact * (1 - 1e-9), what + ": " + found + " below the exact minimum " + exact);
        assertTrue(found <= exact * (1 + tol) + slack, what + ": " + found + " more than " + tol + " above the exact minimum " + exact);
    }

    static void report(String what, double[] found, double[] exact) {
        double worst = 0;
        for (int i = 0; i < found.length; i++) worst = Math.max(worst, found[i] / exact[i] - 1);
        System.out.printf("%-10s worst relative excess over the exact distance: %.2e%n", what, worst);
    }
}
