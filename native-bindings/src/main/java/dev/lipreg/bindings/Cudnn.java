package dev.lipreg.bindings;

import dev.lipreg.bindings.cudnn.gen.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/** Status checks for cuDNN (cudnnStatus_t). */
public final class Cudnn {

    private static final boolean NATIVE_ACCESS = NativeAccess.ENABLED; // first: see NativeAccess
    /** The library's name in messages. */
    public static final String LIBRARY = "cuDNN";
    private static final int SUCCESS = cudnn_h.CUDNN_STATUS_SUCCESS();
    /** From the header, so names work without libcudnn (cudnnGetErrorString needs it). */
    private static final Map<Integer, String> NAMES = StatusNames.fromConstants(cudnn_h.class,
            n -> n.startsWith("CUDNN_STATUS_"));
    private static final int MESSAGE_BYTES = 1024;

    private Cudnn() {}

    /**
     * Throws {@link NativeException} unless {@code status} is {@code CUDNN_STATUS_SUCCESS}; once
     * libcudnn is loaded the exception's detail is cuDNN's last error message.
     *
     * @param status   the cudnnStatus_t returned
     * @param function the cuDNN function, for the message
     */
    public static void check(int status, String function) {
        if (status != SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), lastErrorMessage());
        }
    }

    /**
     * The cudnnStatus_t enumerator's name, e.g. {@code CUDNN_STATUS_BAD_PARAM}.
     *
     * @param status the cudnnStatus_t
     * @return its name
     */
    public static String statusName(int status) {
        return StatusNames.name(NAMES, status, "cudnnStatus_t");
    }

    private static String lastErrorMessage() {
        if (!Cuda.isLoaded("cudnn")) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MESSAGE_BYTES);
            cudnn_h.cudnnGetLastErrorString(buf, MESSAGE_BYTES);
            return buf.getString(0);
        }
    }
}
