package dev.lipreg.tensor;

/** Where a tensor's bytes live: host memory or a CUDA device. */
public enum Device {
    /** Host memory. */
    CPU,
    /** CUDA device memory. */
    CUDA;

    /** {@return whether host code can read the memory directly} */
    public boolean isHost() {
        return this == CPU;
    }
}
