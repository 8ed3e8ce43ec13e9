package dev.lipreg.tensor.cuda;

import dev.lipreg.tensor.BackendContract;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract on the CUDA backend's own kernels — on the GPU
 * ({@code CudaKernelOpsTest}) or emulated on the CPU ({@code EmulatedKernelOpsTest}) —
 * plus what only a device backend has: a caching allocator that must not grow.
 */
abstract class CudaContract extends BackendContract {

    @Override
    protected abstract CudaBackend backend();

    /** Forward and backward of relu → max-pool → log-softmax loss, as a training step would run them. */
    private void kernelStep(Tensor x) {
        var g = backend();
        Tensor a = g.unary(UnaryOp.RELU, x);
        MaxPoolResult p = g.maxPool2d(a, Pool2dSpec.of(2));
        Tensor logits = p.values().reshape(x.dim(0), -1);
        Tensor y = g.logSoftmax(logits, 1);
        Tensor loss = g.reduce(ReduceOp.SUM, y, new int[0], false);
        assertTrue(Double.isFinite(loss.item()));
        Tensor gl = g.logSoftmaxBackward(g.full(y.shape(), DType.FLOAT32, 1), y, 1);
        Tensor ga = g.maxPool2dBackward(gl.reshape(p.values().shape()), p.indices(), a.shape(), Pool2dSpec.of(2));
        g.unaryBackward(UnaryOp.RELU, ga, x, 0);
    }

    @Test
    void repeatedStepsDoNotGrowDeviceMemory() {
        try (Scope model = Scope.open()) {
            Tensor x = pair(uniform(101, 16 * 8 * 14 * 14, -1, 1), 16, 8, 14, 14).got();
            for (int i = 0; i < 3; i++) {
                try (Scope step = Scope.open()) {
                    kernelStep(x);
                }
            }
            long reserved = backend().reservedBytes(), inUse = backend().inUseBytes();
            for (int i = 0; i < 30; i++) {
                try (Scope step = Scope.open()) {
                    kernelStep(x);
                }
            }
            assertEquals(reserved, backend().reservedBytes(), "device memory grew over 30 steps after warm-up");
            assertEquals(inUse, backend().inUseBytes(), "blocks of closed scopes were not returned");
        }
    }


    /** The kernels index up to 8 axes; broadcasts that cannot be merged below that are refused. */
    @Test
    void nineAxesThatCannotMergeAreRejected() {
        Pair a = random(23, 2, 1, 2, 1, 2, 1, 2, 1, 2), b = random(24, 1, 2, 1, 2, 1, 2, 1, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend().binary(BinaryOp.ADD, a.got(), b.got()));
        assertTrue(e.getMessage().contains("at most 8"), e.getMessage());
    }
}
