package dev.lipreg.bindings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class CudaTest {

    @TempDir
    Path root;

    @Test
    void probeNeverThrowsAndExplainsAMissingGpu() {
        CudaInfo info = assertDoesNotThrow(Cuda::probe);
        assertSame(info, Cuda.probe(), "probed once per JVM");
        assumeFalse(info.available(), "this machine has a usable GPU");
        assertFalse(info.reason().isBlank());
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class, Cuda::ensureAvailable);
        assertTrue(e.getMessage().contains(info.reason()));
        if (info.libraries().containsKey("cudart")) { // e.g. /usr/local/cuda without a driver
            assertTrue(info.runtimeVersion() >= 12000, "runtime version " + info.runtimeVersion());
            assertTrue(info.reason().startsWith("no GPU: cudaError"), info.reason());
        }
    }

    private Path touch(String relative) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[0]);
    }

    @Test
    void searchOrderAndWheelLayouts() throws IOException {
        Path wheel13 = touch("usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcudart.so.13");
        touch("usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublas.so.13");
        touch("usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublasLt.so.13");
        Path cudnn = touch("home/.local/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
        Path system = touch("usr/local/cuda/lib64/libcudart.so.12");
        Path explicit = touch("opt/mine/libcudart.so");

        Map<String, Path> found = new CudaLibraryFinder(CudaLibraryFinder.searchDirs(Map.of(), root.resolve("home"), root)).findAll();
        assertEquals(system, found.get("cudart"), "/usr/local/cuda comes before pip wheels");
        assertEquals(wheel13.resolveSibling("libcublas.so.13"), found.get("cublas"));
        assertEquals(cudnn, found.get("cudnn"));
        assertEquals(List.of("cudart", "cublasLt", "cublas", "cudnn"), List.copyOf(found.keySet()));

        Map<String, String> env = Map.of("LIPREG_CUDA_LIB_DIR", root.resolve("opt/mine").toString(),
                "LD_LIBRARY_PATH", root.resolve("nonexistent") + ":" + root.resolve("usr/local/cuda/lib64"));
        List<Path> dirs = CudaLibraryFinder.searchDirs(env, root.resolve("home"), root);
        assertEquals(root.resolve("opt/mine"), dirs.getFirst(), "missing directories are dropped");
        assertEquals(explicit, new CudaLibraryFinder(dirs).findAll().get("cudart"));
    }

    @Test
    void versionString() {
        assertEquals("13.0", CudaInfo.versionString(13000));
        assertEquals("12.4", CudaInfo.versionString(12040));
        assertEquals("none", CudaInfo.versionString(0));
    }
}
