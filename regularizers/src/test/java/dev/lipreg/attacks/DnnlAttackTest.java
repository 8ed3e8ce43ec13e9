package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.dnnl.DnnlBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacks on oneDNN in float32 (skipped without it): the box and budget
 * constraints hold up to float32 rounding, and the success count matches the
 * float64 reference run of the same model within one image.
 */
class DnnlAttackTest {
    static final int N = 6;
    static final double[] EPS_LINF = {0, 0.005, 0.01, 0.02, 0.05, 0.1};
    static final double[] EPS_L2 = {0, 0.05, 0.1, 0.2, 0.4, 1};

    @BeforeAll
    static void requireDnnl() {
        Assumptions.assumeTrue(DnnlBackend.availability().available(), () -> "oneDNN unavailable: " + DnnlBackend.availability().detail());
    }

    static Stream<Attack> attacks() {
        // few iterations: on a shared 2-core machine each small oneDNN primitive can wait milliseconds for its OpenMP team
        return Stream.of(Fgsm.linf(0.05), Pgd.linf(0.05, 4), Pgd.l2(0.5, 4), Apgd.linf(0.05, 4), DeepFool.of(Norm.L2),
                CarliniWagnerL2.defaults().withSearch(2, 8).withInitialConst(10), BoundaryAttack.of(15, 3));
    }

    /** The reference model's weights, cast to float32, in the same architecture on oneDNN. */
    static Module onDnnl(Sequential ref, Backend dnnl) {
        Sequential copy = TestModels.smallCnnOn(dnnl, DType.FLOAT32, 4, 5);
        Map<String, Tensor> state = new LinkedHashMap<>();
        ref.stateDict().forEach((k, v) -> state.put(k, dnnl.fromArray(v.toFloatArray(), v.shape())));
        copy.loadStateDict(state);
        copy.eval();
        return copy;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void float32OnOneDnn(Attack attack) {
        Backend dnnl = Backends.byName("dnnl");
        try (Scope s = Scope.open()) {
            Sequential ref = TestModels.smallCnn(4, 5);
            Module model = onDnnl(ref, dnnl);
            Tensor x64 = TestModels.variedImages(N, 1, 8, 8, 6);
            Tensor x = dnnl.fromArray(x64.toFloatArray(), x64.shape());
            Tensor labels = Tensor.ofLabels(dnnl, PerImage.argmax(PerImage.logits(model, x)));
            Tensor labels64 = Tensor.ofLabels(TestModels.REF, PerImage.argmax(PerImage.logits(ref, x64)));
            double[] eps = attack.norm() == Norm.L2 ? EPS_L2 : EPS_LINF;
            AttackResult r = attack instanceof FixedBudgetAttack fb ? fb.run(model, x, labels, eps) : attack.run(model, x, labels);
            AttackResult r64 = attack instanceof FixedBudgetAttack fb ? fb.run(ref, x64, labels64, eps) : attack.run(ref, x64, labels64);
            assertEquals(dnnl, r.adversarial().backend());
            float[] a = r.adversarial().toFloatArray();
            for (float v : a) assertTrue(v >= 0 && v <= 1);
            for (int i = 0; i < N && attack instanceof FixedBudgetAttack; i++) {
                double d = attack.norm() == Norm.L2 ? r.l2()[i] : r.linf()[i];
                assertTrue(d <= eps[i] * (1 + 1e-5) + 1e-7, attack.name() + " image " + i + ": " + d + " > " + eps[i]);
            }
            System.out.printf("%-14s oneDNN float32 %d/%d (reference float64 %d/%d) in %.3f s%n", attack.name(), r.successCount(), N,
                    r64.successCount(), N, r.seconds());
            assertTrue(Math.abs(r.successCount() - r64.successCount()) <= 1, attack.name());
        }
    }
}
