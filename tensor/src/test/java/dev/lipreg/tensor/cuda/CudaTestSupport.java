package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.tensor.ParityTestBase;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Set-up of the cuda tests: seeded inputs on the reference backend and the backend under test
 * ({@link #gpu()}: the real GPU or the CPU emulation of the kernels); the scope per test and the
 * comparisons (the oneDNN suite's tolerances) come from {@link ParityTestBase}.
 */
abstract class CudaTestSupport extends ParityTestBase {
    private static final Logger LOG = LoggerFactory.getLogger(CudaTestSupport.class);

    /** The backend under test. */
    abstract CudaBackend gpu();

    /** Skips (logging the probe's reason) unless this machine has a usable GPU. */
    static CudaBackend requireGpu() {
        CudaInfo info = Cuda.probe();
        if (!info.available()) LOG.warn("skipping gpu tests: {}", info.reason());
        Assumptions.assumeTrue(info.available(), () -> "no usable GPU: " + info.reason());
        return CudaBackend.instance();
    }

    /** Skips unless the kernels can be emulated here (g++). */
    static CudaBackend emulated() {
        String reason = EmulatedRuntime.unavailableReason();
        if (reason != null) LOG.warn("skipping emulated kernel tests: {}", reason);
        Assumptions.assumeTrue(reason == null, () -> reason);
        return new CudaBackend(EmulatedRuntime.create(), false, false);
    }

    /** The same values as a FLOAT32 tensor on each backend. */
    record Pair(Tensor ref, Tensor gpu) {
        Shape shape() {
            return ref.shape();
        }
    }

    Pair pair(float[] values, int... dims) {
        return new Pair(Tensor.of(REF, values, dims), Tensor.of(gpu(), values, dims));
    }

    Pair random(long seed, int... dims) {
        return pair(uniform(seed, size(dims), -2, 2), dims);
    }
}
