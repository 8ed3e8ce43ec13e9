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
 * atomically, history first: a kill between the two renames leaves history.json
 * one epoch ahead of the checkpoint, never behind it, and readers keep only the
 * checkpoint's epochs (the next run in the directory trims the file). So a kill
 * at any point loses no completed epoch's history, and the checkpoint's bytes stay
 * a function of the run alone (no wall times in it: resume stays bit-identical).
 * A run holds the directory's {@link RunLock} while it writes.
 */
final class RunDir {
    static final String MODEL = "model.json";
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String HISTORY = "history.json";
    static final String FORMAT = "lipreg-train-1";
    private static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final String OPTIMIZER_TENSORS = "optimizer_tensors";

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

    /** {@code out} can be a run directory: not empty, not an existing file. */
    static void checkOut(String option, Path out) {
        if (out.toString().isBlank()) throw BadInputException.of(option, "a directory for the run", "'" + out + "'");
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw BadInputException.of(option, "a directory for the run", out + " (an existing file, not a directory)");
        }
    }

    /** The spec goes with the first checkpoint of a fresh run ({@code fresh}), so a run that fails before it leaves nothing behind. */
    void save(ModelSpec spec, Module model, Optimizer optimizer, int epochsCompleted, TrainSettings settings, ArrayNode history, boolean fresh) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create --out directory " + dir + ": " + e.getMessage(), e);
        }
        if (fresh || !Files.isRegularFile(modelJson())) AtomicWrite.string(modelJson(), spec.toJson() + "\n");
        Map<String, Tensor> state = Checkpoint.trainingState(model, optimizer);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epoch", Integer.toString(epochsCompleted - 1));
        meta.put("epochs_completed", Integer.toString(epochsCompleted));
        meta.put("model", spec.name());
        meta.put("settings", settings.toJson().strip());
        meta.put(OPTIMIZER_TENSORS, Long.toString(state.keySet().stream().filter(k -> k.startsWith(OPTIMIZER_PREFIX)).count()));
        Json.writeFile(history(), history); // first: see the class comment
        SafeTensors.write(checkpoint(), state, meta);
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

    /**
     * Loads weights into {@code model} and optimizer state into {@code optimizer}; a part that does not fit is bad input.
     * A checkpoint missing optimizer state its run had is refused unless {@code resetOptimizer}: resuming would
     * otherwise silently restart momentum or Adam's moments and differ from the uninterrupted run.
     */
    void restore(Module model, Optimizer optimizer, boolean resetOptimizer, boolean statefulOptimizer) {
        load(checkpoint(), model, resetOptimizer ? null : optimizer, statefulOptimizer);
    }

    /** The completed epochs' history entries (an entry a kill left beyond the checkpoint is dropped). */
    ArrayNode readHistory(int keep) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (!Files.isRegularFile(history())) return out;
        JsonNode h = Json.read(history());
        if (!h.isArray()) throw new BadInputException(history() + ": expected a JSON array of epochs");
        for (int i = 0; i < Math.min(keep, h.size()); i++) out.add(h.get(i));
        return out;
    }

    /** Trims history.json to the checkpoint's epochs when a kill left it one epoch ahead. */
    void repairHistory(State state) {
        if (!Files.isRegularFile(history())) return;
        JsonNode h = Json.read(history());
        if (h.isArray() && h.size() > state.epochsCompleted()) Json.writeFile(history(), readHistory(state.epochsCompleted()));
    }

    static JsonNode entry(EpochReport r) {
        return Json.tree(r);
    }

    /** Loads model weights (only) from a checkpoint file, ignoring optimizer state; returns its metadata. */
    static Map<String, String> loadWeights(Path file, Module model) {
        return load(file, model, null, false);
    }

    /** NaN or infinite weights would make every result NaN without a word: refuse them, naming the tensor. */
    private static void checkFinite(Path file, String name, Tensor t) {
        if (!t.dtype().isFloating()) return;
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new BadInputException(file + ": tensor '" + name + "' holds " + v[i] + " at element " + i
                        + "; a model with non-finite weights gives NaN results (was the run diverging?)");
            }
        }
    }

    private static void checkOptimizerState(Path file, Map<String, String> meta, int found, boolean stateful) {
        String saved = meta.get(OPTIMIZER_TENSORS);
        // checkpoints of older versions do not say how many they saved: a stateful optimizer's must hold some
        if (saved == null && found == 0 && stateful) saved = "some";
        if (saved != null && !saved.equals(Integer.toString(found))) {
            throw new BadInputException("--resume: " + file + " holds " + found + " optimizer state tensors, but its run saved " + saved
                    + " (the file was edited or rewritten without them); pass --reset-optimizer to resume with a fresh optimizer state");
        }
    }

    /** Reads {@code file} in full (validated before anything changes), then copies its parts into the model and optimizer. */
    private static Map<String, String> load(Path file, Module model, Optimizer optimizer, boolean statefulOptimizer) {
        if (model.stateDict().isEmpty()) throw new BadInputException(file + ": the model has no parameters to load weights into");
        Tensor any = model.stateDict().values().iterator().next();
        try (Scope read = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(file, any.backend());
            Map<String, Tensor> weights = new LinkedHashMap<>(), opt = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (k.startsWith(OPTIMIZER_PREFIX)) opt.put(k.substring(OPTIMIZER_PREFIX.length()), v);
                else weights.put(k, v);
            });
            weights.forEach((k, v) -> checkFinite(file, k, v));
            opt.forEach((k, v) -> checkFinite(file, OPTIMIZER_PREFIX + k, v));
            if (optimizer != null) checkOptimizerState(file, f.metadata(), opt.size(), statefulOptimizer);
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
