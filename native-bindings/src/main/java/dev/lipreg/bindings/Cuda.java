package dev.lipreg.bindings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.lipreg.bindings.cudart.gen.cudart_h.*;

/**
 * CUDA discovery: finds libcudart, libcublasLt, libcublas, libcudnn and libnvrtc (see
 * {@link CudaLibraryFinder} for where), loads them by absolute path and asks the runtime for
 * GPUs. Runs once per JVM. No GPU is a normal state: {@link #probe()} reports it and never throws.
 */
public final class Cuda {

    private static final Logger LOG = LoggerFactory.getLogger(Cuda.class);

    private Cuda() {}

    /** The once-per-JVM probe result and which libraries it loaded. */
    private static final class Probed {
        static final Probe PROBE = Probe.run(CudaLibraryFinder.forSystem());
    }

    private record Probe(CudaInfo info, Set<String> loaded) {

        static Probe run(CudaLibraryFinder finder) {
            Map<String, Path> libs = Map.of();
            Set<String> loaded = new HashSet<>();
            try {
                libs = finder.findAll();
                Probe p = probe(finder, libs, loaded);
                if (p.info().available()) {
                    LOG.info("CUDA available: {} GPU(s) {}, runtime {}, driver {}", p.info().deviceCount(),
                            p.info().deviceNames(), CudaInfo.versionString(p.info().runtimeVersion()),
                            CudaInfo.versionString(p.info().driverVersion()));
                } else {
                    LOG.info("CUDA unavailable: {}", p.info().reason());
                }
                return p;
            } catch (RuntimeException | LinkageError e) { // never escapes: no GPU must not break anything
                LOG.info("CUDA unavailable: {}", e.toString());
                return new Probe(new CudaInfo(false, "CUDA probe failed: " + e, 0, 0, 0, List.of(), libs), Set.copyOf(loaded));
            }
        }

        private static Probe probe(CudaLibraryFinder finder, Map<String, Path> libs, Set<String> loaded) {
            if (!NativeAccess.permitted()) {
                return unavailable(NativeLibraries.NO_NATIVE_ACCESS, 0, 0, 0, libs, loaded);
            }
            if (!libs.containsKey("cudart")) {
                return unavailable(missing("cudart", finder), 0, 0, 0, libs, loaded);
            }
            String fix = "Point " + CudaLibraryFinder.DIR_ENV + " at a directory with intact CUDA 13 libraries.";
            try {
                NativeLibraries.load(libs.get("cudart"), fix);
            } catch (NativeUnavailableException e) {
                return unavailable(e.getMessage(), 0, 0, 0, libs, loaded);
            }
            loaded.add("cudart");
            int runtime, driver, count;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(C_INT);
                runtime = cudaRuntimeGetVersion(out) == cudaSuccess() ? out.get(C_INT, 0) : 0;
                driver = cudaDriverGetVersion(out) == cudaSuccess() ? out.get(C_INT, 0) : 0;
                out.set(C_INT, 0, 0);
                int status = cudaGetDeviceCount(out);
                count = out.get(C_INT, 0);
                if (status != cudaSuccess()) {
                    return unavailable("no GPU: " + CudaRuntime.nameFromLibrary(status) + ": "
                            + CudaRuntime.descriptionFromLibrary(status),
                            runtime, driver, 0, libs, loaded);
                }
            }
            if (count <= 0) {
                return unavailable("no GPU: cudaGetDeviceCount reported 0 devices", runtime, driver, 0, libs, loaded);
            }
            // cublasLt before cublas: libcublas needs it, and the dynamic linker matches an already
            // loaded library by soname. libcudnn.so.9 is a dispatcher that dlopen()s its siblings
            // (libcudnn_graph, _ops, _cnn, _engines_*...) by soname on first use, so only it is
            // loaded here; they resolve through the linker's usual search (RUNPATH, LD_LIBRARY_PATH).
            // CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED later means: add its directory to LD_LIBRARY_PATH.
            // libnvrtc compiles CudaBackend's own kernels; it dlopen()s libnvrtc-builtins from its directory
            for (String name : List.of("cublasLt", "cublas", "cudnn", "nvrtc")) {
                if (!libs.containsKey(name)) {
                    return unavailable(missing(name, finder), runtime, driver, count, libs, loaded);
                }
                try {
                    NativeLibraries.load(libs.get(name), fix);
                } catch (NativeUnavailableException e) {
                    return unavailable(e.getMessage(), runtime, driver, count, libs, loaded);
                }
                loaded.add(name);
            }
            return new Probe(new CudaInfo(true, "", runtime, driver, count, CudaDriver.deviceNames(count), libs),
                    Set.copyOf(loaded));
        }

        private static Probe unavailable(String reason, int runtime, int driver, int count,
                                         Map<String, Path> libs, Set<String> loaded) {
            return new Probe(new CudaInfo(false, reason, runtime, driver, count, List.of(), libs), Set.copyOf(loaded));
        }

        private static String missing(String name, CudaLibraryFinder finder) {
            return CudaLibraryFinder.LIBRARIES.get(name).getFirst() + " not found in " + finder.dirs()
                    + ". Install the CUDA 13 runtime, cuBLAS and cuDNN 9 (the CUDA toolkit, or NVIDIA's pip wheels as"
                    + " PyTorch installs them), or set "
                    + CudaLibraryFinder.DIR_ENV + " to the directory holding it.";
        }
    }

    /**
     * Finds and loads the CUDA libraries and counts GPUs, once per JVM; never throws.
     *
     * @return what was found
     */
    public static CudaInfo probe() {
        return Probed.PROBE.info();
    }

    /**
     * Throws unless CUDA is usable.
     *
     * @throws NativeUnavailableException carrying {@link CudaInfo#reason()}
     * @return what was found, with CUDA available
     */
    public static CudaInfo ensureAvailable() {
        CudaInfo info = probe();
        if (!info.available()) {
            throw new NativeUnavailableException("CUDA is unavailable: " + info.reason());
        }
        return info;
    }

    /** Whether the probe loaded the library with this short name ("cudart", "cublas", "cudnn", "nvrtc"...). */
    static boolean isLoaded(String name) {
        return Probed.PROBE.loaded().contains(name);
    }
}
