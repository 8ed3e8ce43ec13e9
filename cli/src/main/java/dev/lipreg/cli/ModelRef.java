package dev.lipreg.cli;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trained model on disk: a run directory (model.json + checkpoint.safetensors),
 * a checkpoint file with model.json beside it, or an ONNX file (spec null). Its
 * name in reports is the directory's name (the file's name without .onnx).
 */
record ModelRef(String name, Path checkpoint, Path spec) {

    static ModelRef resolve(String option, Path path) {
        if (OnnxModels.isOnnx(path)) {
            if (!Files.isRegularFile(path)) throw BadInputException.of(option, "a run directory, a checkpoint file or an ONNX file", path + " (no such file)");
            return new ModelRef(path.getFileName().toString().replaceFirst("(?i)\\.onnx$", ""), path, null);
        }
        Path checkpoint = Files.isDirectory(path) ? path.resolve(RunDir.CHECKPOINT) : path;
        if (!Files.isRegularFile(checkpoint)) {
            throw BadInputException.of(option, "a run directory holding " + RunDir.CHECKPOINT + " or a checkpoint file", path + " (no such file)");
        }
        Path dir = checkpoint.toAbsolutePath().getParent();
        Path spec = dir.resolve(RunDir.MODEL);
        if (!Files.isRegularFile(spec)) throw BadInputException.of(option, "the model spec " + RunDir.MODEL + " beside the checkpoint", "none in " + dir);
        return new ModelRef(dir.getFileName() == null ? checkpoint.getFileName().toString() : dir.getFileName().toString(), checkpoint, spec);
    }

    boolean isOnnx() {
        return spec == null;
    }

    /** A model ready to evaluate, with the name and input shape reports give it. */
    record Loaded(Module module, String modelName, int[] input) {
    }

    /**
     * Loads either kind in the current scope, in evaluation mode, checked against
     * images [C,H,W] and {@code classes} (see {@link OnnxModels} for what an ONNX file must take).
     */
    Loaded open(String option, int[] chw, int classes, Backend backend) {
        if (isOnnx()) {
            OnnxModel m = OnnxModels.load(option, checkpoint, backend);
            OnnxModels.checkFits(option, m, chw, classes);
            return new Loaded(m, checkpoint.getFileName().toString(), chw.clone());
        }
        ModelSpec s = readSpec();
        Models.checkFits(option, s, chw, classes);
        return new Loaded(load(s, backend), s.name(), s.input());
    }

    ModelSpec readSpec() {
        if (isOnnx()) throw new IllegalStateException(checkpoint + " is an ONNX file, not a run with " + RunDir.MODEL);
        return Models.read("--checkpoint", spec);
    }

    /** Builds the model in the current scope, loads the weights and switches to evaluation mode. */
    Module load(ModelSpec s, Backend backend) {
        Module m = s.build(new Init(backend, 0));
        RunDir.loadWeights(checkpoint, m);
        m.eval();
        return m;
    }
}
