package dev.lipreg.regularizers;

import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.TestModels;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link GradientTarget#MARGIN} on a linear classifier z = Wx + b: the margin
 * z_y − max_{k≠y} z_k has input gradient W_y − W_k* (k* the runner-up), so the
 * penalties, the finite-difference estimate and the Lipschitz term's weight
 * gradient (±λ·u on rows y and k*, u the unit difference) are known exactly.
 */
class MarginTargetTest {
    static final int CLASSES = 3, N = 6;
    static final double LAMBDA = 0.3, EPS = 0.05;

    @Test
    void marginPenaltiesOfALinearModelAreKnownExactly() {
        try (Scope s = Scope.open()) {
            Sequential m = TestModels.linear(CLASSES, 41);
            Tensor x = TestModels.centeredImages(N, 0.3, 42);
            Tensor y = Tensor.ofLabels(TestModels.REF, new int[]{0, 1, 2, 0, 1, 2});
            double[] w = ((Linear) m.layers().get(1)).weight().value().toDoubleArray();
            double[] z = PerImage.logits(m, x).toDoubleArray();
            double maxL2 = 0, sumL1 = 0;
            int worst = -1, worstRunnerUp = -1;
            for (int i = 0; i < N; i++) {
                int yi = (int) y.toLongArray()[i], k = -1;
                for (int c = 0; c < CLASSES; c++) if (c != yi && (k < 0 || z[i * CLASSES + c] > z[i * CLASSES + k])) k = c;
                double l2 = 0, l1 = 0;
                for (int j = 0; j < 16; j++) {
                    double d = w[yi * 16 + j] - w[k * 16 + j];
                    l2 += d * d;
                    l1 += Math.abs(d);
                }
                sumL1 += l1;
                if (Math.sqrt(l2) > maxL2) {
                    maxL2 = Math.sqrt(l2);
                    worst = yi;
                    worstRunnerUp = k;
                }
            }
            RobustObjective exact = new RobustObjective(Loss.crossEntropy(),
                    List.of(GradientPenalty.lipschitz(LAMBDA), GradientPenalty.totalVariation(EPS, Norm.LINF)), PenaltyMode.exact(), GradientTarget.MARGIN, null);
            StepValues v = exact.evaluate(m, x, y);
            assertEquals(LAMBDA * maxL2, v.penalties().get("lip(l2)"), 1e-12);
            assertEquals(EPS * sumL1 / N, v.penalties().get("tv(l1)"), 1e-12);
            assertEquals("cross-entropy + lip(l2)·0.3 + tv(l1)·0.05 [exact, margin]", exact.describe());

            // the margin is linear in x, so the finite-difference estimate is exact (the runner-up does not change within h)
            StepValues fd = exact.withMode(new PenaltyMode.FiniteDifference(1e-4)).evaluate(m, x, y);
            assertEquals(LAMBDA * maxL2, fd.penalties().get("lip(l2)"), 1e-9);
            assertEquals(EPS * sumL1 / N, fd.penalties().get("tv(l1)"), 1e-9);

            // ∂(λ·max_i‖W_y − W_k*‖₂)/∂W: +λu on row y, −λu on row k*, 0 elsewhere
            RobustObjective lipOnly = new RobustObjective(Loss.crossEntropy(), List.of(GradientPenalty.lipschitz(LAMBDA)), PenaltyMode.exact(),
                    GradientTarget.MARGIN, null);
            StepValues l = lipOnly.evaluate(m, x, y);
            Linear lin = (Linear) m.layers().get(1);
            double[] total = Autograd.grad(l.total(), lin.weight(), false).value().toDoubleArray();
            double[] data = Autograd.grad(dev.lipreg.autograd.Ops.mean(Loss.crossEntropy().perExample(m.forward(dev.lipreg.autograd.Variable.constant(x)), y)),
                    lin.weight(), false).value().toDoubleArray();
            for (int c = 0; c < CLASSES; c++) {
                for (int j = 0; j < 16; j++) {
                    double u = (w[worst * 16 + j] - w[worstRunnerUp * 16 + j]) / maxL2;
                    double expected = c == worst ? LAMBDA * u : c == worstRunnerUp ? -LAMBDA * u : 0;
                    assertEquals(expected, total[c * 16 + j] - data[c * 16 + j], 1e-12, "row " + c + ", column " + j);
                }
            }
        }
    }
}
