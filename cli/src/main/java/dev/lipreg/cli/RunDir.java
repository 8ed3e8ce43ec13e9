package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The output directory of a training run: {@code model.json} (the spec),
 * {@code checkpoint.safetensors} (weights with PyTorch names, plus optimizer
 * state under "optimizer." and the run's settings and epoch in the metadata),
 * {@code history.json} (one entry per completed epoch). Every file is replaced
 * atomically, checkpoint first, so the history never runs ahead of it.
 */
final class RunDir {
    static final String MODEL = "model.json";
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String HISTORY = "history.json";
    static final String FORMAT = "lipreg-train-1";
    private static final String OPTIMIZER_PREFIX = "optimizer.";

    private final Path dir;

    RunDir(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    Path modelJson() {
        return dir.resolve(MODEL);
    }

    Path history() {
        return dir.resolve(HISTORY);
    }

    boolean hasCheckpoint() {
        return Files.isRegularFile(checkpoint());
    }

    /** What a checkpoint's metadata says about its run. */
    record State(int epochsCompleted, TrainSettings settings, Map<String, String> metadata) {
    }

    /** Writes the spec once, at the first checkpoint, so a run that fails before it leaves nothing behind. */
    void save(ModelSpec spec, Module model, Optimizer optimizer, int epochsCompleted, TrainSettings settings, ArrayNode history) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create --out directory " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(modelJson())) AtomicWrite.string(modelJson(), spec.toJson() + "\n");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epoch", Integer.toString(epochsCompleted - 1));
        meta.put("epochs_completed", Integer.toString(epochsCompleted));
        meta.put("model", spec.name());
        meta.put("settings", settings.toJson().strip());
        SafeTensors.write(checkpoint(), Checkpoint.trainingState(model, optimizer), meta);
        Json.writeFile(history(), history);
    }

    /** Reads the run state from the checkpoint's metadata without loading tensors. */
    State state() {
        Path file = checkpoint();
        Map<String, String> meta = SafeTensors.readHeader(file).metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new BadInputException("--resume: " + file + " is not a LipReg training checkpoint (metadata format "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        int completed;
        try {
            completed = Integer.parseInt(meta.getOrDefault("epochs_completed", ""));
        } catch (NumberFormatException e) {
            throw new BadInputException("--resume: " + file + ": bad epochs_completed in metadata: " + meta.get("epochs_completed"));
        }
        return new State(completed, TrainSettings.fromJson(meta.getOrDefault("settings", ""), file.toString()), meta);
    }

    /** Loads weights into {@code model} and optimizer state into {@code optimizer}; a part that does not fit is bad input. */
    void restore(Module model, Optimizer optimizer) {
        load(checkpoint(), model, optimizer);
    }

    /** Completed epochs' history entries (those after the checkpoint, if any, are dropped). */
    ArrayNode readHistory(int keep) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (!Files.isRegularFile(history())) return out;
        JsonNode h = Json.read(history());
        if (!h.isArray()) throw new BadInputException(history() + ": expected a JSON array of epochs");
        for (int i = 0; i < Math.min(keep, h.size()); i++) out.add(h.get(i));
        return out;
    }

    static JsonNode entry(EpochReport r) {
        return Json.tree(r);
    }

    /** Loads model weights (only) from a checkpoint file, ignoring optimizer state; returns its metadata. */
    static Map<String, String> loadWeights(Path file, Module model) {
        return load(file, model, null);
    }

    /** Reads {@code file} in full (validated before anything changes), then copies its parts into the model and optimizer. */
    private static Map<String, String> load(Path file, Module model, Optimizer optimizer) {
        Tensor any = model.stateDict().values().iterator().next();
        try (Scope read = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(file, any.backend());
            Map<String, Tensor> weights = new LinkedHashMap<>(), opt = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (k.startsWith(OPTIMIZER_PREFIX)) opt.put(k.substring(OPTIMIZER_PREFIX.length()), v);
                else weights.put(k, v);
            });
            try {
                model.loadStateDict(weights);
                if (optimizer != null) optimizer.loadState(opt);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file + ": " + e.getMessage(), e);
            }
            return f.metadata();
        }
    }
}
