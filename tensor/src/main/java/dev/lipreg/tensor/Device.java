package dev.lipreg.tensor;

/** Where a tensor's bytes live: host memory or a CUDA device. */
public enum Device {
    CPU,
    CUDA;

    public boolean isHost() {
        return this == CPU;
    }
}
