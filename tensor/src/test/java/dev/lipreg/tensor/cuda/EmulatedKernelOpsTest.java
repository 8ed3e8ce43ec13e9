package dev.lipreg.tensor.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kernel parity suite on this machine, without a GPU: the kernels run compiled by g++
 * under {@link EmulatedRuntime}, and the backend's Java side (allocator, scopes, argument
 * marshalling, geometry, checks) runs exactly as on a GPU. cuBLAS and cuDNN ops are GPU-only.
 */
class EmulatedKernelOpsTest extends CudaContract {
    private static CudaBackend backend;

    @BeforeAll
    static void start() {
        backend = CudaTestSupport.emulated();
    }

    @AfterAll
    static void stop() {
        if (backend != null) backend.close();
    }

    /** No cuBLAS or cuDNN in the emulation. */
    @Override
    protected boolean runsMatmulAndConvolution() {
        return false;
    }

    @Override
    protected CudaBackend backend() {
        return backend;
    }
}
