package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model weights as safetensors with PyTorch state_dict keys, readable by
 * {@code safetensors.torch.load_file}. Writes are atomic; a load checks every
 * name, shape and dtype before changing the model.
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /**
     * Writes {@code model}'s state dict and {@code metadata} to {@code file}, atomically.
     *
     * @param file     the safetensors file
     * @param model    the model
     * @param metadata strings stored in the header (may be empty)
     */
    public static void save(Path file, Module model, Map<String, String> metadata) {
        SafeTensors.write(file, model.stateDict(), metadata);
    }

    /**
     * Loads {@code file} into {@code model}; returns the file's metadata.
     *
     * @param file  the safetensors file
     * @param model the model to load into
     * @return the file's metadata
     */
    public static Map<String, String> load(Path file, Module model) {
        SafeTensorFile f = SafeTensors.read(file, backendOf(model));
        try {
            model.loadStateDict(f.tensors());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return f.metadata();
    }

    /**
     * The state of a model plus optimizer state under "optimizer." keys, for exact resume.
     *
     * @param model     the model
     * @param optimizer its optimizer
     * @return the tensors to save
     */
    public static Map<String, Tensor> trainingState(Module model, Optimizer optimizer) {
        Map<String, Tensor> all = new LinkedHashMap<>(model.stateDict());
        optimizer.state().forEach((k, v) -> all.put("optimizer." + k, v));
        return all;
    }

    private static dev.lipreg.tensor.Backend backendOf(Module model) {
        return model.stateDict().values().stream().findFirst()
                .orElseThrow(() -> new IllegalArgumentException("model has no state to load into"))
                .backend();
    }
}
