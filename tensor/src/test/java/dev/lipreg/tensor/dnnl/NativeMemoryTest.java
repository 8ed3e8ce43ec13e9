package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.MemoryPool;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Native memory stays flat over repeated steps, and freed tensors cannot be used. */
class NativeMemoryTest extends DnnlTestSupport {

    /** Forward and backward of conv → relu → max-pool, as one training step would run them. */
    private static void convStep(Tensor x, Tensor w, Tensor b) {
        Conv2dSpec spec = Conv2dSpec.of(1, 1);
        Tensor y = dnnl.conv2d(x, w, b, spec);
        Tensor a = dnnl.unary(UnaryOp.RELU, y);
        MaxPoolResult p = dnnl.maxPool2d(a, Pool2dSpec.of(2));
        Tensor loss = dnnl.reduce(ReduceOp.SUM, p.values(), new int[0], false);
        assertTrue(Double.isFinite(loss.item()));
        Tensor ga = dnnl.maxPool2dBackward(dnnl.full(p.values().shape(), DType.FLOAT32, 1), p.indices(), a.shape(), Pool2dSpec.of(2));
        Tensor gy = dnnl.unaryBackward(UnaryOp.RELU, ga, y, 0);
        dnnl.conv2dBackwardData(gy, w, x.shape(), spec);
        dnnl.conv2dBackwardWeights(x, gy, w.shape(), spec);
    }

    @Test
    void repeatedConvStepsDoNotGrowNativeMemory() {
        try (Scope model = Scope.open()) {
            Tensor x = Pair.of(uniform(101, 16 * 8 * 14 * 14, -1, 1), 16, 8, 14, 14).dnnl();
            Tensor w = Pair.of(uniform(102, 16 * 8 * 9, -1, 1), 16, 8, 3, 3).dnnl();
            Tensor b = Pair.of(uniform(103, 16, -1, 1), 16).dnnl();
            for (int i = 0; i < 3; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            long reserved = MemoryPool.shared().reservedBytes();
            int cached = dnnl.cachedPrimitives();
            for (int i = 0; i < 50; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            assertEquals(reserved, MemoryPool.shared().reservedBytes(), "pool grew over 50 steps after warm-up");
            assertEquals(cached, dnnl.cachedPrimitives(), "primitive cache grew over identical steps");
        }
    }

    @Test
    void tensorsOfAClosedScopeThrowOnUse() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = dnnl.full(Shape.of(2, 3), DType.FLOAT32, 1);
            assertTrue(t.isAlive());
        }
        assertFalse(t.isAlive());
        Tensor dead = t;
        assertThrows(IllegalStateException.class, () -> dnnl.unary(UnaryOp.EXP, dead));
        assertThrows(IllegalStateException.class, () -> dnnl.conv2d(dead.reshape(1, 1, 2, 3), dead.reshape(1, 1, 2, 3), null, Conv2dSpec.of(1, 0)));
        assertThrows(IllegalStateException.class, () -> dnnl.copy(dead));
        assertThrows(IllegalStateException.class, dead::toFloatArray);
    }

    @Test
    void clearingTheSharedCacheKeepsTheBackendUsable() {
        Tensor x = Pair.of(new float[]{-1, 2, -3}, 3).dnnl();
        dnnl.unary(UnaryOp.RELU, x);
        dnnl.close();
        assertEquals(0, dnnl.cachedPrimitives());
        assertEquals(java.util.List.of(0.0, 2.0, 0.0), java.util.Arrays.stream(dnnl.unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
    }
}
