package dev.lipreg.cli;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trained model on disk: a run directory (model.json + checkpoint.safetensors)
 * or a checkpoint file with model.json beside it. Its name in reports is the
 * directory's name.
 */
record ModelRef(String name, Path checkpoint, Path spec) {

    static ModelRef resolve(String option, Path path) {
        Path checkpoint = Files.isDirectory(path) ? path.resolve(RunDir.CHECKPOINT) : path;
        if (!Files.isRegularFile(checkpoint)) {
            throw BadInputException.of(option, "a run directory holding " + RunDir.CHECKPOINT + " or a checkpoint file", path + " (no such file)");
        }
        Path dir = checkpoint.toAbsolutePath().getParent();
        Path spec = dir.resolve(RunDir.MODEL);
        if (!Files.isRegularFile(spec)) throw BadInputException.of(option, "the model spec " + RunDir.MODEL + " beside the checkpoint", "none in " + dir);
        return new ModelRef(dir.getFileName() == null ? checkpoint.getFileName().toString() : dir.getFileName().toString(), checkpoint, spec);
    }

    ModelSpec readSpec() {
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
