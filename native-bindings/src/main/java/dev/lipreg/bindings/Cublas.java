package dev.lipreg.bindings;

import dev.lipreg.bindings.cublas.gen.cublas_h;

import java.util.Map;

import static dev.lipreg.bindings.cublas.gen.cublas_h.*;

/** Status checks for cuBLAS (cublasStatus_t). Needs no loaded library. */
public final class Cublas {

    private static final boolean NATIVE_ACCESS = NativeAccess.ENABLED; // first: see NativeAccess
    /** The library's name in messages. */
    public static final String LIBRARY = "cuBLAS";
    private static final int SUCCESS = CUBLAS_STATUS_SUCCESS();
    private static final Map<Integer, String> NAMES = StatusNames.fromConstants(cublas_h.class,
            n -> n.startsWith("CUBLAS_STATUS_"));

    private Cublas() {}

    /**
     * Throws {@link NativeException} unless {@code status} is {@code CUBLAS_STATUS_SUCCESS}.
     *
     * @param status   the cublasStatus_t returned
     * @param function the cuBLAS function, for the message
     */
    public static void check(int status, String function) {
        if (status != SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), null);
        }
    }

    /**
     * The cublasStatus_t enumerator's name, e.g. {@code CUBLAS_STATUS_NOT_INITIALIZED}.
     *
     * @param status the cublasStatus_t
     * @return its name
     */
    public static String statusName(int status) {
        return StatusNames.name(NAMES, status, "cublasStatus_t");
    }
}
