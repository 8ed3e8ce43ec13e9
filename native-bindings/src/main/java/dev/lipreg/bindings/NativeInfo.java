package dev.lipreg.bindings;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything LipReg knows about its native backends, for {@code lipreg info} and logs.
 *
 * @param nativeAccess whether {@code --enable-native-access} is in effect for LipReg
 * @param dnnl         whether oneDNN loaded, and from where or why not
 * @param dnnlVersion  the loaded oneDNN's version, or null when unavailable
 * @param cpuIsa       oneDNN's effective CPU ISA, or null when unavailable
 * @param threads      OpenMP threads of the collecting thread, or 0 when unavailable
 * @param cuda         the CUDA probe
 */
public record NativeInfo(boolean nativeAccess, Availability dnnl, DnnlVersion dnnlVersion, String cpuIsa,
                         int threads, CudaInfo cuda) {

    /**
     * Loads oneDNN and probes CUDA (both once per JVM); never throws.
     *
     * @return what was found
     */
    public static NativeInfo collect() {
        Availability dnnl = Dnnl.availability();
        boolean access = NativeAccess.ENABLED;
        return dnnl.available()
                ? new NativeInfo(access, dnnl, Dnnl.version(), Dnnl.effectiveCpuIsa(), Dnnl.maxThreads(), Cuda.probe())
                : new NativeInfo(access, dnnl, null, null, 0, Cuda.probe());
    }

    /** {@return a readable multi-line report} */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Java:          ").append(Runtime.version()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" processors, native access ")
                .append(nativeAccess ? "enabled" : "not enabled by " + NativeLibraries.NATIVE_ACCESS_FLAG + " (permitted with a JVM warning unless denied)").append('\n');
        if (dnnl.available()) {
            sb.append("oneDNN:        ").append(dnnl.detail()).append('\n')
                    .append("  CPU ISA:     ").append(cpuIsa).append('\n')
                    .append("  threads:     ").append(threads).append('\n');
        } else {
            sb.append("oneDNN:        unavailable: ").append(dnnl.detail()).append('\n');
        }
        sb.append("CUDA:          ").append(cuda.available() ? "available" : "unavailable: " + cuda.reason()).append('\n')
                .append("  runtime:     ").append(CudaInfo.versionString(cuda.runtimeVersion()))
                .append(", driver ").append(CudaInfo.versionString(cuda.driverVersion())).append('\n')
                .append("  devices:     ").append(cuda.deviceCount())
                .append(cuda.deviceNames().isEmpty() ? "" : " " + cuda.deviceNames()).append('\n')
                .append("  libraries:   ").append(cuda.libraries().isEmpty() ? "none found" : libraries(cuda.libraries()));
        return sb.toString();
    }

    private static String libraries(Map<String, ?> libs) {
        return libs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return describe();
    }
}
