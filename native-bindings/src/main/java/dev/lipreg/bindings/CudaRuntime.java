package dev.lipreg.bindings;

import dev.lipreg.bindings.cudart.gen.cudart_h;

import java.util.Map;

/** Status checks for the CUDA runtime (cudaError_t). */
public final class CudaRuntime {

    private static final boolean NATIVE_ACCESS = NativeAccess.ENABLED; // first: see NativeAccess
    /** The library's name in messages. */
    public static final String LIBRARY = "CUDA runtime";
    private static final int SUCCESS = cudart_h.cudaSuccess();
    /** For when libcudart is not loaded (cudaGetErrorName needs it). */
    private static final Map<Integer, String> NAMES = StatusNames.fromConstants(cudart_h.class,
            n -> n.equals("cudaSuccess") || n.startsWith("cudaError"));

    private CudaRuntime() {}

    /**
     * Throws {@link NativeException} unless {@code status} is {@code cudaSuccess}.
     *
     * @param status   the cudaError_t returned
     * @param function the runtime function, for the message
     */
    public static void check(int status, String function) {
        if (status != SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), errorString(status));
        }
    }

    /**
     * The cudaError_t enumerator's name (cudaGetErrorName once libcudart is loaded), e.g. {@code cudaErrorInvalidValue}.
     *
     * @param status the cudaError_t
     * @return its name
     */
    public static String statusName(int status) {
        return Cuda.isLoaded("cudart") ? nameFromLibrary(status) : StatusNames.name(NAMES, status, "cudaError_t");
    }

    /** cudaGetErrorString's description, or null when libcudart is not loaded. */
    static String errorString(int status) {
        return Cuda.isLoaded("cudart") ? descriptionFromLibrary(status) : null;
    }

    /** cudaGetErrorName; libcudart must be loaded. */
    static String nameFromLibrary(int status) {
        return cudart_h.cudaGetErrorName(status).reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** cudaGetErrorString; libcudart must be loaded. */
    static String descriptionFromLibrary(int status) {
        return cudart_h.cudaGetErrorString(status).reinterpret(Long.MAX_VALUE).getString(0);
    }
}
