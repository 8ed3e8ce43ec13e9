package dev.lipreg.bindings;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link Cuda#probe()} found.
 *
 * @param available      true when a GPU is present and cudart, cuBLAS, cuDNN and NVRTC are loaded
 * @param reason         why CUDA is unavailable ("" when available)
 * @param runtimeVersion cudaRuntimeGetVersion, e.g. 13000 (0 if libcudart was not loaded)
 * @param driverVersion  cudaDriverGetVersion, e.g. 13000 (0 if there is no driver)
 * @param deviceCount    cudaGetDeviceCount (0 without a GPU)
 * @param deviceNames    the GPUs' names (may be empty even with devices, if the driver API cannot be reached)
 * @param libraries      the library files found, by short name ("cudart", "cublasLt", "cublas", "cudnn", "nvrtc")
 */
public record CudaInfo(boolean available, String reason, int runtimeVersion, int driverVersion, int deviceCount,
                       List<String> deviceNames, Map<String, Path> libraries) {

    /** Replaces null strings by "". */
    public CudaInfo {
        reason = reason == null ? "" : reason;
        deviceNames = List.copyOf(deviceNames);
        libraries = Map.copyOf(libraries);
    }

    /**
     * A CUDA version number as "major.minor" (13000 → "13.0"), or "none" for 0.
     *
     * @param version a version as 1000 × major + 10 × minor
     * @return the version in words
     */
    public static String versionString(int version) {
        return version <= 0 ? "none" : version / 1000 + "." + version % 1000 / 10;
    }
}
