package dev.lipreg.onnx;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Models exported by PyTorch at test time: runs onnx/src/test/python/torch_models.py with
 * Debian's python3-torch under /usr/bin/python3 (the python3 first on PATH may lack torch).
 */
final class TorchExports {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/torch_models.py");
    private static final String UNAVAILABLE = probe("import torch; print(torch.__version__)");

    private TorchExports() {
    }

    static String probe(String code) {
        if (!Files.isExecutable(PYTHON)) return PYTHON + " not found";
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", code).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "probing timed out";
            }
            return p.exitValue() == 0 ? null : PYTHON + " -c '" + code + "' failed: " + out;
        } catch (IOException e) {
            return "cannot run " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static void assumeTorch() {
        if (UNAVAILABLE != null) System.err.println("skipping PyTorch export test: " + UNAVAILABLE);
        Assumptions.assumeTrue(UNAVAILABLE == null, () -> "PyTorch unavailable: " + UNAVAILABLE);
    }

    /** Exports {@code models} into {@code dir} (MODEL.onnx and MODEL.safetensors each). */
    static void export(Path dir, String... models) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), SCRIPT.toAbsolutePath().toString(), dir.toString()));
        cmd.addAll(List.of(models));
        run(cmd, dir);
    }

    static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " timed out; output:\n" + out);
        }
        if (p.exitValue() != 0) fail(cmd + " failed (exit " + p.exitValue() + "):\n" + out);
        return out;
    }
}
