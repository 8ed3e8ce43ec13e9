package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.tensor.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Without a GPU, asking for CUDA fails with the probe's reason, and nothing else changes. */
class CudaUnavailableTest {

    @Test
    void cudaByNameExplainsWhyItIsUnavailable() {
        CudaInfo info = Cuda.probe();
        assumeFalse(info.available(), "this machine has a usable GPU");
        assertFalse(CudaBackend.availability().available());
        assertTrue(CudaBackend.availability().detail().contains(info.reason()), CudaBackend.availability().detail());
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class, () -> Backends.byName("cuda"));
        assertTrue(e.getMessage().contains(info.reason()), e.getMessage());
        assertThrows(NativeUnavailableException.class, CudaBackend::instance, "the failure is kept, not retried");
        assertTrue(Backends.reference().name().equals("reference"));
    }
}
