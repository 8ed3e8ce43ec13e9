package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.TestModels;
import dev.lipreg.autograd.GradCheck;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gradient statistics of §3, their double-backprop gradient, and the detector-aware CW. */
class DetectionTest {

    @Test
    void statisticsOfALinearModelAreKnownExactly() {
        try (Scope s = Scope.open()) {
            Sequential model = TestModels.linear(3, 21);
            Tensor x = TestModels.centeredImages(5, 0.3, 22);
            double[] w = ((Linear) model.layers().get(1)).weight().value().toDoubleArray();
            double maxRow = 0;
            for (int k = 0; k < 3; k++) {
                double n = 0;
                for (int j = 0; j < 16; j++) n += w[k * 16 + j] * w[k * 16 + j];
                maxRow = Math.max(maxRow, Math.sqrt(n));
            }
            double[] logit = DetectionScores.of(model, x, DetectionStatistic.MAX_LOGIT_GRADIENT, 2, null);
            double[] loss = DetectionScores.of(model, x, DetectionStatistic.PREDICTED_LOSS_GRADIENT, 5, null);
            double[] prob = DetectionScores.of(model, x, DetectionStatistic.MAX_PROBABILITY_GRADIENT, 3, null);
            double[] z = PerImage.logits(model, x).toDoubleArray();
            for (int i = 0; i < 5; i++) {
                assertEquals(maxRow, logit[i], 1e-12); // ∇ₓ f_k = W_k everywhere
                // ∇ₓ CE(x, ŷ) = Σ_k (p_k − [k = ŷ]) W_k
                double m = Math.max(z[3 * i], Math.max(z[3 * i + 1], z[3 * i + 2])), sum = 0;
                double[] p = new double[3];
                for (int k = 0; k < 3; k++) sum += p[k] = Math.exp(z[3 * i + k] - m);
                int top = z[3 * i] >= z[3 * i + 1] && z[3 * i] >= z[3 * i + 2] ? 0 : z[3 * i + 1] >= z[3 * i + 2] ? 1 : 2;
                double n = 0;
                for (int j = 0; j < 16; j++) {
                    double g = 0;
                    for (int k = 0; k < 3; k++) g += (p[k] / sum - (k == top ? 1 : 0)) * w[k * 16 + j];
                    n += g * g;
                }
                assertEquals(Math.sqrt(n), loss[i], 1e-12);
                // ∇ₓ p_k = p_k (W_k − Σ_j p_j W_j)
                double maxProb = 0;
                for (int k = 0; k < 3; k++) {
                    double nk = 0;
                    for (int j = 0; j < 16; j++) {
                        double mean = 0;
                        for (int c = 0; c < 3; c++) mean += p[c] / sum * w[c * 16 + j];
                        double g = p[k] / sum * (w[k * 16 + j] - mean);
                        nk += g * g;
                    }
                    maxProb = Math.max(maxProb, Math.sqrt(nk));
                }
                assertEquals(maxProb, prob[i], 1e-12);
            }
        }
    }

    static Sequential tanhNet(long seed) {
        Init init = new Init(TestModels.REF, DType.FLOAT64, Init.Scheme.KAIMING_NORMAL, seed);
        Sequential m = Sequential.of(new Flatten(), new Linear(init, 16, 12), Activation.tanh(), new Linear(init, 12, 3));
        m.eval();
        return m;
    }

    @Test
    void theStatisticIsDifferentiableByDoubleBackprop() {
        try (Scope s = Scope.open()) {
            Sequential model = tanhNet(3);
            Tensor x = TestModels.centeredImages(3, 0.4, 4);
            for (DetectionStatistic stat : DetectionStatistic.values()) {
                GradCheck.Result r = GradCheck.first(v -> {
                    // GradCheck probes f once with constants and recording off; the statistic needs its own graph
                    try (GradMode.Restore on = GradMode.set(true)) {
                        Variable in = v.getFirst().requiresGrad() ? v.getFirst() : Variable.leaf(v.getFirst().value());
                        return Ops.sum(stat.of(in, model.forward(in), true));
                    }
                }, List.of(x));
                assertTrue(r.passed(), stat + ": " + r);
            }
        }
    }

    @Test
    void evasiveCarliniWagnerStaysBelowTheThreshold() {
        try (Scope s = Scope.open()) {
            Sequential model = tanhNet(7);
            Tensor clean = TestModels.centeredImages(40, 0.45, 8);
            Tensor x = clean.backend().slice(clean, 0, 0, 12);
            Tensor y = TestModels.predictedLabels(model, x);
            DetectionStatistic stat = DetectionStatistic.MAX_LOGIT_GRADIENT;
            // a strict detector (30% false positives), so that plain CW adversarials are often flagged
            Detector detector = Detector.calibrate(DetectionScores.of(model, clean, stat, 40, null), 0.3);
            CarliniWagnerL2 cw = CarliniWagnerL2.defaults().withSearch(5, 100).withInitialConst(1);
            AttackResult plain = cw.run(model, x, y);
            AttackResult evasive = DetectorPenalty.evasiveCw(cw, detector, stat, 10).run(model, x, y);
            assertEquals("cw-l2-evasive", evasive.attack());
            double[] plainScores = DetectionScores.of(model, plain.adversarial(), stat, 12, null);
            double[] evasiveScores = DetectionScores.of(model, evasive.adversarial(), stat, 12, null);
            int evaded = 0, plainDetected = 0;
            for (int i = 0; i < 12; i++) {
                if (plain.success()[i] && plainScores[i] > detector.threshold()) plainDetected++;
                if (evasive.success()[i]) {
                    evaded++;
                    assertTrue(evasiveScores[i] <= detector.threshold(), "image " + i + ": evasive adversarial is flagged");
                }
            }
            System.out.printf("threshold %.4f: plain CW %d/12 successful, %d detected (median l2 %.4f); evasive CW %d/12 undetected (median l2 %.4f)%n",
                    detector.threshold(), plain.successCount(), plainDetected, Stats.median(plain.successfulDistances(dev.lipreg.tensor.Norm.L2)),
                    evaded, Stats.median(evasive.successfulDistances(dev.lipreg.tensor.Norm.L2)));
            assertTrue(evaded > 0, "the evasive attack should succeed on some images");
        }
    }
}
