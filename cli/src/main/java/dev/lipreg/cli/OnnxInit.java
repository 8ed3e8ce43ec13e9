package dev.lipreg.cli;

import dev.lipreg.onnx.NativeModel;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code train --init MODEL.onnx}: the imported graph as a LipReg model spec and
 * weights in OUT/onnx-init/, so the run is an ordinary LipReg run (checkpoints,
 * --resume, eval, export) that starts from the imported weights.
 */
final class OnnxInit {
    static final String DIR = "onnx-init";

    private OnnxInit() {
    }

    /** Converts {@code file}; returns the spec JSON written for {@code --model}. */
    static Path prepare(String option, Path file, Path out) {
        try (Scope s = Scope.open()) {
            OnnxModel m = OnnxModels.load(option, file, Backends.reference());
            NativeModel nm;
            try {
                nm = m.toNative();
            } catch (OnnxException e) {
                throw new BadInputException(option + ": cannot fine-tune " + file + ": " + e.getMessage(), e);
            }
            Path dir = out.resolve(DIR);
            Files.createDirectories(dir);
            Path spec = dir.resolve(RunDir.MODEL);
            AtomicWrite.string(spec, nm.spec().toJson() + "\n");
            SafeTensors.write(weights(out), nm.state(), java.util.Map.of("source", file.toAbsolutePath().toString()));
            return spec;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path weights(Path out) {
        return out.resolve(DIR).resolve("weights.safetensors");
    }
}
