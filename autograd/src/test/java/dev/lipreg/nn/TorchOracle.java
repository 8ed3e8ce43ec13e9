package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * PyTorch as a test oracle: Debian's {@code python3-torch} under {@code /usr/bin/python3}
 * (the {@code python3} first on PATH may be a pyenv without torch). Tensors go back and
 * forth as safetensors files, read and written in the scripts with json + struct (the
 * {@code safetensors} pip package is not installed), so the oracle also checks that
 * LipReg's files are plain safetensors.
 */
final class TorchOracle {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Python helpers prepended to every script: load(path) and save(path, dict) for safetensors. */
    static final String SAFETENSORS_PY = """
            import json, struct, sys
            import torch
            torch.set_num_threads(1)
            _DT = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64}
            _CODE = {v: k for k, v in _DT.items()}

            def load(path):
                with open(path, 'rb') as f:
                    b = f.read()
                n = struct.unpack('<Q', b[:8])[0]
                header = json.loads(b[8:8 + n].decode('utf-8'))
                header.pop('__metadata__', None)
                base = 8 + n
                out = {}
                for k, v in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
                    s, e = v['data_offsets']
                    t = torch.frombuffer(bytearray(b[base + s:base + e]), dtype=_DT[v['dtype']])
                    out[k] = t.reshape(v['shape']).clone()
                return out

            def save(path, tensors):
                header, chunks, off = {}, [], 0
                for k, t in tensors.items():
                    t = t.detach().contiguous().cpu()
                    data = t.numpy().tobytes()
                    header[k] = {'dtype': _CODE[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(data)]}
                    chunks.append(data)
                    off += len(data)
                h = json.dumps(header, separators=(',', ':')).encode('utf-8')
                h += b' ' * ((8 - len(h) % 8) % 8)
                with open(path, 'wb') as f:
                    f.write(struct.pack('<Q', len(h)))
                    f.write(h)
                    for c in chunks:
                        f.write(c)

            """;

    private static final String UNAVAILABLE = probe();

    private TorchOracle() {
    }

    private static String probe() {
        if (!Files.isExecutable(PYTHON)) return PYTHON + " not found";
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "probing torch timed out";
            }
            if (p.exitValue() != 0) return PYTHON + " cannot import torch: " + out;
            return null;
        } catch (IOException e) {
            return "cannot run " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing torch";
        }
    }

    /** Skips the calling test (with the reason on stderr) when PyTorch is not usable here. */
    static void assumeAvailable() {
        if (UNAVAILABLE != null) System.err.println("skipping PyTorch oracle test: " + UNAVAILABLE);
        Assumptions.assumeTrue(UNAVAILABLE == null, () -> "PyTorch oracle unavailable: " + UNAVAILABLE);
    }

    /** Writes {@code body} (after the safetensors helpers) to {@code dir/name} and runs it there with {@code args}. */
    static void run(Path dir, String name, String body, String... args) throws IOException, InterruptedException {
        Path script = dir.resolve(name);
        Files.writeString(script, SAFETENSORS_PY + body);
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("PyTorch script " + name + " timed out; output:\n" + out);
        }
        if (p.exitValue() != 0) fail("PyTorch script " + name + " failed (exit " + p.exitValue() + "):\n" + out);
    }

    // ----------------------------------------------------------------- comparisons shared by the tests

    /** max|a − b| / max|b| (max|a − b| when b is all zero). */
    static double scaledError(double[] actual, double[] expected) {
        if (actual.length != expected.length) throw new AssertionError(actual.length + " values, expected " + expected.length);
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    static double scaledError(Tensor actual, Tensor expected) {
        if (!actual.shape().equals(expected.shape())) {
            throw new AssertionError("shape " + actual.shape() + ", expected " + expected.shape());
        }
        return scaledError(actual.toDoubleArray(), expected.toDoubleArray());
    }

    /** Formats per-tensor errors for a log line, worst first. */
    static String describe(Map<String, Double> errors) {
        StringBuilder sb = new StringBuilder();
        errors.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sb.append(String.format("%n    %-20s %.3e", e.getKey(), e.getValue())));
        return sb.toString();
    }
}
