package dev.lipreg.tensor.cuda;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the contract suite ({@code CudaKernelOpsTest}, which runs the cuBLAS and cuDNN cases on
 * a GPU) does not cover: device memory and cuDNN plans that must not grow over training-like
 * convolution steps, choice by name, and the lifecycle of owned and shared instances. GPU only.
 */
@Tag("gpu")
class CudaVendorOpsTest extends CudaTestSupport {
    private static CudaBackend backend;

    @BeforeAll
    static void start() {
        backend = requireGpu();
    }

    @Override
    CudaBackend gpu() {
        return backend;
    }

    /** Forward and backward of conv → relu → max-pool, as one training step would run them. */
    private void convStep(Tensor x, Tensor w, Tensor b) {
        var g = gpu();
        Conv2dSpec spec = Conv2dSpec.of(1, 1);
        Tensor y = g.conv2d(x, w, b, spec);
        Tensor a = g.unary(UnaryOp.RELU, y);
        MaxPoolResult p = g.maxPool2d(a, Pool2dSpec.of(2));
        assertTrue(Double.isFinite(g.reduce(ReduceOp.SUM, p.values(), new int[0], false).item()));
        Tensor ga = g.maxPool2dBackward(g.full(p.values().shape(), DType.FLOAT32, 1), p.indices(), a.shape(), Pool2dSpec.of(2));
        Tensor gy = g.unaryBackward(UnaryOp.RELU, ga, y, 0);
        g.conv2dBackwardData(gy, w, x.shape(), spec);
        g.conv2dBackwardWeights(x, gy, w.shape(), spec);
        g.reduce(ReduceOp.SUM, gy, new int[]{0, 2, 3}, false);
    }

    @Test
    void repeatedConvStepsDoNotGrowDeviceMemoryOrPlans() {
        try (Scope model = Scope.open()) {
            Tensor x = random(101, 16, 8, 14, 14).gpu(), w = random(102, 16, 8, 3, 3).gpu(), b = random(103, 16).gpu();
            for (int i = 0; i < 3; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            long reserved = gpu().reservedBytes();
            for (int i = 0; i < 50; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            assertEquals(reserved, gpu().reservedBytes(), "device memory grew over 50 steps after warm-up");
        }
    }

    @Test
    void backendsChoosesCudaByName() {
        assertSame(gpu(), Backends.byName("cuda"));
        assertSame(gpu(), Backends.byName("CUDA"));
        assertEquals("cuda", gpu().name());
        assertTrue(CudaBackend.availability().available());
    }

    @Test
    void ownedInstanceWorksUntilClosed() {
        CudaBackend own = CudaBackend.create();
        Tensor x = Tensor.of(own, new float[]{-1, 2}, 2);
        assertEquals(java.util.List.of(0.0, 2.0), java.util.Arrays.stream(own.unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> gpu().unary(UnaryOp.RELU, x));
        assertTrue(foreign.getMessage().contains("another instance"), foreign.getMessage());
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.unary(UnaryOp.RELU, x));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void trimmingTheSharedInstanceKeepsItUsable() {
        Tensor x = pair(new float[]{-1, 2, -3}, 3).gpu();
        gpu().close(); // shared instance: waits, returns cached memory and conv plans
        assertEquals(java.util.List.of(0.0, 2.0, 0.0), java.util.Arrays.stream(gpu().unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
    }
}
