package dev.lipreg.tensor.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles {@link KernelSource} with nvcc to PTX for the architecture NVRTC targets, so syntax
 * and type errors show on machines without a GPU or NVRTC (where nvcc is installed), and checks
 * every declared kernel is an entry point. Skipped without nvcc.
 */
class KernelCompileTest {
    static final Path NVCC = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin", "nvcc");

    @TempDir
    Path dir;

    @Test
    void kernelsCompileWithNvcc() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(NVCC), () -> "no nvcc at " + NVCC);
        Path src = Files.writeString(dir.resolve("lipreg_kernels.cu"), KernelSource.SOURCE), ptx = dir.resolve("k.ptx");
        Process p = new ProcessBuilder(NVCC.toString(), "--ptx", "-arch=" + CudaDevice.DEFAULT_ARCH, "-Werror", "all-warnings",
                "-o", ptx.toString(), src.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), "nvcc failed:\n" + out);
        String text = Files.readString(ptx);
        for (Kernels.Kernel k : Kernels.ALL) {
            assertTrue(text.contains(".entry " + k.name() + "("), k.name() + " is not an entry point of the PTX");
        }
        assertEquals(Kernels.ALL.size(), text.split("\\.entry ", -1).length - 1, "kernels in the source but not declared in Kernels");
    }

    /** NVRTC has no system headers: the source must not include any. */
    @Test
    void sourceIsSelfContained() {
        assertTrue(!KernelSource.SOURCE.contains("#include"), "NVRTC programs cannot include system headers");
    }
}
