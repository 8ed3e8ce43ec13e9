package dev.lipreg.djl.engine;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained LipReg model on disk, as {@code lipreg train} leaves it: a run
 * directory (model.json + checkpoint.safetensors) or a checkpoint file with
 * model.json beside it. Optimizer state ("optimizer." keys) is skipped.
 */
record LipRegRun(Path checkpoint, Path spec) {
    static final String MODEL = "model.json";
    static final String CHECKPOINT = "checkpoint.safetensors";
    private static final String OPTIMIZER_PREFIX = "optimizer.";

    /**
     * {@code path} is a run directory or a checkpoint; DJL may pass a directory
     * with the file's base name as {@code prefix} ("checkpoint" for checkpoint.safetensors).
     */
    static LipRegRun resolve(Path path, String prefix) {
        Path checkpoint;
        if (Files.isDirectory(path)) {
            Path named = prefix == null ? null : path.resolve(prefix.endsWith(".safetensors") ? prefix : prefix + ".safetensors");
            checkpoint = named != null && Files.isRegularFile(named) ? named : path.resolve(CHECKPOINT);
        } else {
            checkpoint = path;
        }
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("expected a LipReg run directory holding " + CHECKPOINT + " or a checkpoint file, got " + path);
        }
        Path spec = checkpoint.toAbsolutePath().getParent().resolve(MODEL);
        if (!Files.isRegularFile(spec)) {
            throw new IllegalArgumentException("expected the model spec " + MODEL + " beside " + checkpoint + ", found none");
        }
        return new LipRegRun(checkpoint, spec);
    }

    ModelSpec readSpec() throws IOException {
        return ModelSpec.read(spec);
    }

    /** Builds the model in the current scope, loads its weights and switches it to evaluation mode. */
    Module load(ModelSpec s, Backend backend) {
        Module m = s.build(new Init(backend, 0));
        SafeTensorFile f = SafeTensors.read(checkpoint, backend);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (!k.startsWith(OPTIMIZER_PREFIX)) weights.put(k, v);
        });
        try {
            m.loadStateDict(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(checkpoint + ": " + e.getMessage(), e);
        }
        m.eval();
        return m;
    }
}
