package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch norm's backward rule returns the backend's fused gradients when the pass
 * records nothing; when it records, x's gradient is the fused kernel's recorded as one
 * op (its second-order rule is checked against finite differences in {@link
 * OpsGradCheckTest}, and against PyTorch in the nn oracle tests) and γ's and β's are
 * differentiable formulas: on oneDNN both passes give the same gradients. A third
 * derivative is refused with a message.
 */
class BatchNormFusedBackwardTest {

    @Test
    void theFusedAndTheRecordedRuleAgreeOnOneDnn() {
        Backend k = Backends.byName("dnnl");
        SplittableRandom rng = new SplittableRandom(3);
        try (Scope scope = Scope.open()) {
            Variable[] leaves = leaves(k, rng, 4, 5, 6);
            Variable x = leaves[0], gamma = leaves[1], beta = leaves[2];
            Variable w = Variable.constant(k.fromArray(values(rng, 4 * 5 * 6 * 6, 1), Shape.of(4, 5, 6, 6)));
            // a loss whose output gradient is not constant per channel: Σ w ⊙ tanh(bn(x))
            Variable loss = Ops.sum(Ops.mul(w, Ops.tanh(Ops.batchNorm(x, gamma, beta, 1e-5).output())));
            List<Variable> wrt = List.of(x, gamma, beta);
            List<Variable> fused = Autograd.grad(List.of(loss), wrt, null, false);
            List<Variable> recorded = Autograd.grad(List.of(loss), wrt, null, true);
            String[] names = {"x", "gamma", "beta"};
            for (int i = 0; i < 3; i++) {
                float[] a = fused.get(i).value().toFloatArray(), b = recorded.get(i).value().toFloatArray();
                double scale = 0;
                for (float v : b) scale = Math.max(scale, Math.abs(v));
                for (int j = 0; j < a.length; j++) {
                    assertTrue(Math.abs(a[j] - b[j]) <= 1e-4 * scale + 1e-6,
                            names[i] + "[" + j + "]: fused " + a[j] + ", recorded " + b[j] + " (largest " + scale + ")");
                }
            }
        }
    }

    @Test
    void aThirdDerivativeIsRefusedWithAReason() {
        Backend k = Backends.byName("reference");
        SplittableRandom rng = new SplittableRandom(5);
        try (Scope scope = Scope.open()) {
            Variable[] leaves = leaves(k, rng, 2, 3, 2);
            Variable x = leaves[0], gamma = leaves[1], beta = leaves[2];
            Variable loss = Ops.sum(Ops.tanh(Ops.batchNorm(x, gamma, beta, 1e-5).output()));
            Variable gx = Autograd.grad(loss, x, true);
            // the second derivative itself is fine; recording it (for a third) is not
            Autograd.grad(Ops.sum(Ops.square(gx)), x, false);
            var e = assertThrows(UnsupportedOperationException.class, () -> Autograd.grad(Ops.sum(Ops.square(gx)), x, true));
            assertTrue(e.getMessage().contains("third derivatives of batch norm"), e.getMessage());
        }
    }

    /** x [n, c, side, side] and per-channel γ and β, random. */
    private static Variable[] leaves(Backend k, SplittableRandom rng, int n, int c, int side) {
        return new Variable[]{Variable.leaf(k.fromArray(values(rng, n * c * side * side, 2), Shape.of(n, c, side, side))),
                Variable.leaf(k.fromArray(values(rng, c, 1), Shape.of(c))), Variable.leaf(k.fromArray(values(rng, c, 1), Shape.of(c)))};
    }

    private static float[] values(SplittableRandom rng, int n, double spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (spread * (2 * rng.nextDouble() - 1) + 0.5);
        return v;
    }
}
