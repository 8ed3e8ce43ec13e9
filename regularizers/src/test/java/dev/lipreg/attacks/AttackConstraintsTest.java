package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every attack, every image: adversarials stay in [0,1], fixed-budget attacks
 * stay within each image's own ε, and the reported flags, predictions and
 * distances describe the returned images. Small random CNN, reference
 * backend, float64.
 */
class AttackConstraintsTest {
    static final int N = 6, CLASSES = 4;
    static final double[] EPS_LINF = {0, 0.005, 0.01, 0.02, 0.05, 0.1};
    static final double[] EPS_L2 = {0, 0.05, 0.1, 0.2, 0.4, 1};

    static Stream<Attack> attacks() {
        return Stream.of(
                Fgsm.linf(0.05), Fgsm.l2(0.5),
                Pgd.linf(0.05, 5), Pgd.l2(0.5, 5).withRestarts(2), Pgd.bim(0.05, 5),
                Apgd.linf(0.05, 8), Apgd.l2(0.5, 8),
                DeepFool.of(Norm.L2), DeepFool.of(Norm.LINF),
                CarliniWagnerL2.defaults().withSearch(4, 40).withInitialConst(1),
                BoundaryAttack.of(100, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void untargeted(Attack attack) {
        check(attack, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void targeted(Attack attack) {
        if (attack.supportsTargeted()) check(attack, true);
    }

    static void check(Attack attack, boolean targeted) {
        try (Scope outer = Scope.open()) {
            Module model = TestModels.smallCnn(CLASSES, 5);
            Tensor x = TestModels.variedImages(N, 1, 8, 8, 6);
            Tensor labels = TestModels.predictedLabels(model, x);
            long[] l = labels.toLongArray();
            Tensor targets = Tensor.ofLabels(x.backend(), Arrays.stream(l).map(v -> (v + 1) % CLASSES).toArray());
            double[] eps = attack.norm() == Norm.L2 ? EPS_L2 : EPS_LINF;
            AttackResult r;
            if (attack instanceof FixedBudgetAttack fb) {
                r = targeted ? fb.runTargeted(model, x, targets, eps) : fb.run(model, x, labels, eps);
            } else {
                r = targeted ? attack.runTargeted(model, x, targets) : attack.run(model, x, labels);
            }
            Tensor adv = r.adversarial();
            assertTrue(adv.isAlive() && adv.scope() == outer, "the adversarial images live in the caller's scope");
            assertEquals(x.shape(), adv.shape());
            Backend k = x.backend();
            double[] a = adv.toDoubleArray();
            for (int j = 0; j < a.length; j++) assertTrue(a[j] >= 0 && a[j] <= 1, attack.name() + ": pixel " + j + " = " + a[j]);
            Tensor delta = k.binary(BinaryOp.SUB, adv, x);
            double[] l2 = PerImage.norms(delta, Norm.L2), linf = PerImage.norms(delta, Norm.LINF);
            assertArrayEquals(l2, r.l2(), 1e-12);
            assertArrayEquals(linf, r.linf(), 1e-12);
            int[] pred = PerImage.argmax(PerImage.logits(model, adv));
            assertArrayEquals(pred, r.predictions());
            for (int i = 0; i < N; i++) {
                boolean adversarial = targeted ? pred[i] == (l[i] + 1) % CLASSES : pred[i] != l[i];
                assertEquals(adversarial, r.success()[i], attack.name() + " image " + i);
                if (attack instanceof FixedBudgetAttack) {
                    double d = attack.norm() == Norm.L2 ? l2[i] : linf[i];
                    assertTrue(d <= eps[i] * (1 + 1e-12), attack.name() + " image " + i + ": distance " + d + " > eps " + eps[i]);
                }
            }
            assertTrue(r.seconds() > 0);
            System.out.printf("%-14s %s success %d/%d in %.3f s%n", attack.name(), targeted ? "targeted  " : "untargeted", r.successCount(), N, r.seconds());
        }
    }
}
