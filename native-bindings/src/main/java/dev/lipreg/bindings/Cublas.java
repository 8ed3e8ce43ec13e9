package dev.lipreg.bindings;

import java.util.Map;

import static dev.lipreg.bindings.cublas.gen.cublas_h.*;
import static java.util.Map.entry;

/** Status checks for cuBLAS (cublasStatus_t). Needs no loaded library. */
public final class Cublas {

    private static final boolean NATIVE_ACCESS = NativeAccess.ENABLED; // first: see NativeAccess
    public static final String LIBRARY = "cuBLAS";
    private static final int SUCCESS = CUBLAS_STATUS_SUCCESS();
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            entry(CUBLAS_STATUS_SUCCESS(), "CUBLAS_STATUS_SUCCESS"),
            entry(CUBLAS_STATUS_NOT_INITIALIZED(), "CUBLAS_STATUS_NOT_INITIALIZED"),
            entry(CUBLAS_STATUS_ALLOC_FAILED(), "CUBLAS_STATUS_ALLOC_FAILED"),
            entry(CUBLAS_STATUS_INVALID_VALUE(), "CUBLAS_STATUS_INVALID_VALUE"),
            entry(CUBLAS_STATUS_ARCH_MISMATCH(), "CUBLAS_STATUS_ARCH_MISMATCH"),
            entry(CUBLAS_STATUS_MAPPING_ERROR(), "CUBLAS_STATUS_MAPPING_ERROR"),
            entry(CUBLAS_STATUS_EXECUTION_FAILED(), "CUBLAS_STATUS_EXECUTION_FAILED"),
            entry(CUBLAS_STATUS_INTERNAL_ERROR(), "CUBLAS_STATUS_INTERNAL_ERROR"),
            entry(CUBLAS_STATUS_NOT_SUPPORTED(), "CUBLAS_STATUS_NOT_SUPPORTED"),
            entry(CUBLAS_STATUS_LICENSE_ERROR(), "CUBLAS_STATUS_LICENSE_ERROR"));

    private Cublas() {}

    /** Throws {@link NativeException} unless {@code status} is {@code CUBLAS_STATUS_SUCCESS}. */
    public static void check(int status, String function) {
        if (status != SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), null);
        }
    }

    /** The cublasStatus_t enumerator's name, e.g. {@code CUBLAS_STATUS_NOT_INITIALIZED}. */
    public static String statusName(int status) {
        return StatusNames.name(NAMES, status, "cublasStatus_t");
    }
}
