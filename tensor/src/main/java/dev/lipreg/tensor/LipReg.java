package dev.lipreg.tensor;

import dev.lipreg.bindings.NativeInfo;

/** Entry point for what this machine offers LipReg: the native libraries and the backend in use. */
public final class LipReg {
    private LipReg() {
    }

    /**
     * oneDNN version, effective CPU ISA and threads, CUDA availability with versions; never throws.
     *
     * @return the report
     */
    public static NativeInfo nativeInfo() {
        return NativeInfo.collect();
    }

    /** {@return a readable report: {@link #nativeInfo()} plus the backend LIPREG_BACKEND selects (what `lipreg info` prints)} */
    public static String info() {
        String backend;
        try {
            Backend b = Backends.configured();
            backend = b.name() + " (device " + b.device() + ")";
        } catch (RuntimeException e) {
            backend = "unavailable: " + e.getMessage();
        }
        return nativeInfo().describe() + System.lineSeparator() + "Backend:       " + backend;
    }
}
