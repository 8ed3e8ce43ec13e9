package dev.lipreg.tensor.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The kernel parity suite on a real GPU (skipped, with the probe's reason logged, without one). */
@Tag("gpu")
class CudaKernelOpsTest extends CudaContract {
    private static CudaBackend backend;

    @BeforeAll
    static void start() {
        backend = CudaTestSupport.requireGpu();
    }

    @Override
    protected CudaBackend backend() {
        return backend;
    }
}
