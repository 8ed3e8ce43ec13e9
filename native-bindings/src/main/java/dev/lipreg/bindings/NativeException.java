package dev.lipreg.bindings;

/**
 * A native library call returned an error status. Thrown by the per-library {@code check} helpers
 * ({@link Dnnl#check}, {@link CudaRuntime#check}, {@link Cublas#check}, {@link Cudnn#check}), so the
 * message always names the library, the C function and the status:
 * {@code oneDNN call dnnl_primitive_desc_create failed: dnnl_unimplemented (status 3)}.
 */
public final class NativeException extends RuntimeException {

    /** The library's name. */
    private final String library;
    /** The C function that failed. */
    private final String function;
    /** The raw status code. */
    private final int status;
    /** The status enumerator's name. */
    private final String statusName;
    /** The library's own explanation, or null. */
    private final String detail;

    /**
     * A failed call of {@code function}.
     *
     * @param library    "oneDNN", "CUDA runtime", "cuBLAS" or "cuDNN"
     * @param function   the C function that failed
     * @param status     the raw status code
     * @param statusName the status enumerator's name
     * @param detail     the library's own explanation, or null
     */
    public NativeException(String library, String function, int status, String statusName, String detail) {
        super(message(library, function, status, statusName, detail));
        this.library = library;
        this.function = function;
        this.status = status;
        this.statusName = statusName;
        this.detail = detail;
    }

    private static String message(String library, String function, int status, String statusName, String detail) {
        String base = library + " call " + function + " failed: " + statusName + " (status " + status + ")";
        return detail == null || detail.isBlank() || detail.equals(statusName) ? base : base + ": " + detail;
    }

    /**
     * "oneDNN", "CUDA runtime", "cuBLAS" or "cuDNN".
     *
     * @return the library's name
     */
    public String library() { return library; }

    /** {@return the C function whose status was checked} */
    public String function() { return function; }

    /** {@return the raw status code} */
    public int status() { return status; }

    /**
     * The status enumerator, e.g. {@code dnnl_invalid_arguments} or {@code CUDNN_STATUS_BAD_PARAM}.
     *
     * @return the enumerator's name
     */
    public String statusName() { return statusName; }

    /** {@return the library's own description of the error, or null when it gave none} */
    public String detail() { return detail; }
}
