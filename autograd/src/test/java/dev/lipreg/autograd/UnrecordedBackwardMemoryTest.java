package dev.lipreg.autograd;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.MemoryPool;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backward pass that records nothing leaves only its gradients in the caller's
 * scope: each rule's temporaries (tanh' = g·(1 − y²) makes y², 1 − y² and the
 * product) are freed as the rule returns, and each intermediate gradient as soon
 * as the next rule has consumed it, so a step's memory does not grow with the
 * sum of every temporary or gradient of its backward pass. The gradients are unchanged.
 */
class UnrecordedBackwardMemoryTest {
    private static final int N = 1 << 16, DEPTH = 12;

    private static Variable chain(Variable x) {
        Variable h = x;
        for (int i = 0; i < DEPTH; i++) h = Ops.tanh(h);
        return Ops.sum(h);
    }

    private static double[] input() {
        double[] v = new double[N];
        for (int i = 0; i < N; i++) v[i] = Math.sin(i) * 0.5;
        return v;
    }

    @Test
    void theRulesTemporariesDoNotStayInTheCallersScope() {
        try (MemoryPool pool = new MemoryPool(); Scope step = Scope.open(pool)) {
            Variable x = Variable.leaf(Backends.reference().fromArray(input(), Shape.of(N)));
            Variable loss = chain(x);
            long before = step.liveBytes();
            Tensor g = Autograd.grad(loss, x, false).value();
            long kept = step.liveBytes() - before, peak = step.peakLiveBytes() - before;
            long oneTensor = x.value().byteSize();
            // kept: the result and the 64-byte seed; at most: the incoming gradient and a rule's three temporaries
            assertTrue(kept <= oneTensor + 64, "backward kept " + (double) kept / oneTensor + " tensors the size of x");
            assertTrue(peak <= 4 * oneTensor + 64, "backward held " + (double) peak / oneTensor + " tensors the size of x at once");
            assertEquals(N, g.size());
        }
    }

    @Test
    void aRecordedPassFreesTheValuesNoRuleReads() {
        try (MemoryPool pool = new MemoryPool(); Scope step = Scope.open(pool)) {
            Variable x = Variable.leaf(Backends.reference().fromArray(input(), Shape.of(N)));
            Variable loss = chain(x);
            long before = step.liveBytes(), oneTensor = x.value().byteSize();
            Variable gx = Autograd.grad(List.of(loss), List.of(x), null, true).getFirst();
            long kept = step.liveBytes() - before;
            // per tanh the rule g·(1 − y²) records y², 1 − y² and the product; the affine map's rule reads nothing,
            // so y² is freed; 1 − y² (read by the product's rule) and the product (the next rule's g, read) stay,
            // and the sum's broadcast gradient (the first g): 2·DEPTH + 1 instead of 3·DEPTH + 1
            assertTrue(kept <= (2 * DEPTH + 1) * oneTensor + 64, "recorded pass kept " + (double) kept / oneTensor + " tensors the size of x");
            // what stays is what the second pass reads: it runs, and gives what it gave before
            Autograd.backward(Ops.sum(Ops.square(gx)));
            float[] hv = x.grad().toFloatArray();
            try (Scope again = Scope.open()) {
                Variable x2 = Variable.leaf(Backends.reference().fromArray(input(), Shape.of(N)));
                Variable g2 = Autograd.grad(List.of(chain(x2)), List.of(x2), null, true).getFirst();
                assertArrayEquals(Autograd.grad(Ops.sum(Ops.square(g2)), x2, true).value().toFloatArray(), hv);
            }
        }
    }

    @Test
    void theGradientIsTheRecordedOnesValue() {
        try (Scope step = Scope.open()) {
            Variable x = Variable.leaf(Backends.reference().fromArray(input(), Shape.of(N)));
            float[] plain = Autograd.grad(chain(x), x, false).value().toFloatArray();
            float[] recorded = Autograd.grad(chain(x), x, true).value().toFloatArray();
            assertArrayEquals(recorded, plain);
            // and a second-order use of the same graph still works after an unrecorded pass over it
            Variable gx = Autograd.grad(List.of(chain(x)), List.of(x), null, true).getFirst();
            Autograd.backward(Ops.sum(Ops.square(gx)));
            assertTrue(x.grad() != null && Float.isFinite(x.grad().toFloatArray()[7]));
        }
    }
}
