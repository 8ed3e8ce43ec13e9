package dev.lipreg.bindings;

import dev.lipreg.bindings.cublas.gen.cublas_h;
import dev.lipreg.bindings.cudart.gen.cudart_h;
import dev.lipreg.bindings.cudnn.gen.cudnn_h;
import dev.lipreg.bindings.dnnl.gen.dnnl_h;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The per-library check helpers; none needs a GPU. */
class StatusCheckTest {

    @Test
    void successPasses() {
        assertDoesNotThrow(() -> Dnnl.check(dnnl_h.dnnl_success(), "f"));
        assertDoesNotThrow(() -> Cublas.check(cublas_h.CUBLAS_STATUS_SUCCESS(), "f"));
        assertDoesNotThrow(() -> Cudnn.check(cudnn_h.CUDNN_STATUS_SUCCESS(), "f"));
        assertDoesNotThrow(() -> CudaRuntime.check(cudart_h.cudaSuccess(), "f"));
    }

    @Test
    void everyTableNamesEveryStatusOfItsEnum() {
        // the tables are read from the generated constants, the same way for every library
        for (var e : java.util.Map.of("dnnl_success", dnnl_h.dnnl_success(), "dnnl_out_of_memory", dnnl_h.dnnl_out_of_memory(),
                "dnnl_last_impl_reached", dnnl_h.dnnl_last_impl_reached(), "dnnl_invalid_data_type", dnnl_h.dnnl_invalid_data_type()).entrySet()) {
            assertEquals(e.getKey(), Dnnl.statusName(e.getValue()));
        }
        assertEquals("CUBLAS_STATUS_LICENSE_ERROR", Cublas.statusName(cublas_h.CUBLAS_STATUS_LICENSE_ERROR()));
        assertEquals("CUBLAS_STATUS_ARCH_MISMATCH", Cublas.statusName(cublas_h.CUBLAS_STATUS_ARCH_MISMATCH()));
        assertEquals("CUDNN_STATUS_BAD_PARAM", Cudnn.statusName(cudnn_h.CUDNN_STATUS_BAD_PARAM()));
    }

    @Test
    void dnnl() {
        NativeException e = assertThrows(NativeException.class,
                () -> Dnnl.check(dnnl_h.dnnl_unimplemented(), "dnnl_primitive_desc_create"));
        assertEquals("oneDNN call dnnl_primitive_desc_create failed: dnnl_unimplemented (status 3)", e.getMessage());
        assertEquals("dnnl_status_t(99)", Dnnl.statusName(99));
    }

    @Test
    void cublas() {
        NativeException e = assertThrows(NativeException.class,
                () -> Cublas.check(cublas_h.CUBLAS_STATUS_NOT_INITIALIZED(), "cublasCreate_v2"));
        assertEquals("cuBLAS", e.library());
        assertEquals("cublasCreate_v2", e.function());
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED", e.statusName());
        assertEquals("cuBLAS call cublasCreate_v2 failed: CUBLAS_STATUS_NOT_INITIALIZED (status 1)", e.getMessage());
    }

    @Test
    void cudnn() {
        NativeException e = assertThrows(NativeException.class,
                () -> Cudnn.check(cudnn_h.CUDNN_STATUS_BAD_PARAM(), "cudnnSetTensor4dDescriptor"));
        assertEquals("cuDNN", e.library());
        assertEquals("CUDNN_STATUS_BAD_PARAM", e.statusName());
        assertTrue(e.getMessage().startsWith("cuDNN call cudnnSetTensor4dDescriptor failed: CUDNN_STATUS_BAD_PARAM (status 2000)"),
                e.getMessage());
        // aliases resolve to the specific cuDNN 9 name
        assertEquals("CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED", Cudnn.statusName(cudnn_h.CUDNN_STATUS_ALLOC_FAILED()));
    }

    @Test
    void cudaRuntime() {
        NativeException e = assertThrows(NativeException.class,
                () -> CudaRuntime.check(cudart_h.cudaErrorInvalidValue(), "cudaMalloc"));
        assertEquals("CUDA runtime", e.library());
        assertEquals("cudaErrorInvalidValue", e.statusName());
        assertEquals(1, e.status());
        assertTrue(e.getMessage().startsWith("CUDA runtime call cudaMalloc failed: cudaErrorInvalidValue (status 1)"),
                e.getMessage());
        assertEquals("cudaErrorInsufficientDriver", CudaRuntime.statusName(cudart_h.cudaErrorInsufficientDriver()));
    }
}
