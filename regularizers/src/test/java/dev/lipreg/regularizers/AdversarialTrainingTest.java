package dev.lipreg.regularizers;

import dev.lipreg.attacks.LossMaximizer;
import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdversarialTrainingTest {
    private final Backend ref = Backends.reference();

    /** A 2-class linear model on 6 inputs, and images in the interior of [0,1] so the box never binds at ε = 0.05. */
    private Module linear() {
        return Sequential.of(new Flatten(), new Linear(new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 4), 6, 2)).eval();
    }

    private Tensor images(int n) {
        SplittableRandom r = new SplittableRandom(2);
        double[] v = new double[n * 6];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble(0.2, 0.8);
        return ref.fromArray(v, Shape.of(n, 1, 2, 3));
    }

    /**
     * For a linear 2-class model the cross-entropy is monotone in the margin, so
     * its maximum over the ℓ∞ ball is the corner x + ε·sign(w_other − w_true):
     * PGD with sign steps reaches it exactly; one FGSM step too.
     */
    @Test
    void linfAscentReachesTheExactMaximizerOfALinearModel() {
        try (Scope s = Scope.open()) {
            Module m = linear();
            Tensor x = images(5);
            long[] y = {0, 1, 1, 0, 1};
            double[] w = m.parameters().get("1.weight").value().toDoubleArray();
            double eps = 0.05;
            double[] expected = x.toDoubleArray();
            for (int i = 0; i < 5; i++) {
                int t = (int) y[i], o = 1 - t;
                for (int j = 0; j < 6; j++) expected[i * 6 + j] += eps * Math.signum(w[o * 6 + j] - w[t * 6 + j]);
            }
            Tensor labels = Tensor.ofLabels(ref, y);
            double[] pgd = LossMaximizer.pgd(Norm.LINF, eps, 10).maximize(m, Loss.crossEntropy(), x, labels, new SplittableRandom(1)).toDoubleArray();
            double[] fgsm = LossMaximizer.fgsm(Norm.LINF, eps).maximize(m, Loss.crossEntropy(), x, labels, new SplittableRandom(1)).toDoubleArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], pgd[i], 1e-12, "PGD element " + i);
                assertEquals(expected[i], fgsm[i], 1e-12, "FGSM element " + i);
            }
        }
    }

    @Test
    void l2AscentStaysInTheBallAndRaisesTheLoss() {
        try (Scope s = Scope.open()) {
            Module m = linear();
            Tensor x = images(8);
            Tensor labels = Tensor.ofLabels(ref, new long[]{0, 1, 0, 1, 0, 1, 0, 1});
            double eps = 0.1;
            Tensor adv = LossMaximizer.pgd(Norm.L2, eps, 7).maximize(m, Loss.crossEntropy(), x, labels, new SplittableRandom(3));
            double[] a = adv.toDoubleArray(), b = x.toDoubleArray();
            double[] before = Loss.crossEntropy().perExample(m.forward(dev.lipreg.autograd.Variable.constant(x)), labels).value().toDoubleArray();
            double[] after = Loss.crossEntropy().perExample(m.forward(dev.lipreg.autograd.Variable.constant(adv)), labels).value().toDoubleArray();
            for (int i = 0; i < 8; i++) {
                double d = 0;
                for (int j = 0; j < 6; j++) {
                    d += Math.pow(a[i * 6 + j] - b[i * 6 + j], 2);
                    assertTrue(a[i * 6 + j] >= 0 && a[i * 6 + j] <= 1);
                }
                assertTrue(Math.sqrt(d) <= eps + 1e-12, "image " + i + " moved " + Math.sqrt(d));
                // the ℓ2 maximizer of a linear margin is the full-radius step along w_other − w_true
                assertEquals(eps, Math.sqrt(d), 1e-9, "image " + i + " ends on the sphere");
                assertTrue(after[i] > before[i], "loss rises on image " + i);
            }
        }
    }

    @Test
    void adversarialTrainingRunsInEvalModeAndRestoresTrainingMode() {
        try (Scope s = Scope.open()) {
            Module m = linear();
            m.train(true);
            Tensor x = images(4);
            Tensor labels = Tensor.ofLabels(ref, new long[]{0, 1, 0, 1});
            Perturbation pgd = AdversarialTraining.pgd(Norm.LINF, 0.03, 3, 9);
            Tensor adv = pgd.apply(m, Loss.crossEntropy(), x, labels);
            assertTrue(m.isTraining(), "training mode restored");
            assertFalse(adv == x);
            StepValues v = RobustObjective.plain(Loss.crossEntropy()).withAdversary(pgd).evaluate(m, x, labels);
            double clean = RobustObjective.plain(Loss.crossEntropy()).evaluate(m, x, labels).dataLoss();
            assertTrue(v.dataLoss() > clean, "loss on adversarial examples " + v.dataLoss() + " above clean " + clean);
        }
    }
}
