package dev.lipreg.spark;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model as bytes, read once on the driver and broadcast to the executors,
 * so no executor needs the driver's path: the spec ({@code model.json}) and the
 * safetensors checkpoint. Optimizer state in a training checkpoint
 * ({@code optimizer.*} tensors) is ignored, as by {@code lipreg eval}.
 *
 * @param name       the name the report gives the model (its run directory's name)
 * @param checkpoint the checkpoint's path on the driver, for the report
 * @param specJson   the model spec, {@code model.json}'s text
 * @param weights    the safetensors checkpoint's bytes
 * @param hash       SHA-256 of spec and checkpoint: executors keep loaded models by it
 */
public record ModelBytes(String name, String checkpoint, String specJson, byte[] weights, String hash) implements Serializable {
    static final String CHECKPOINT = "checkpoint.safetensors", SPEC = "model.json";
    private static final String OPTIMIZER_PREFIX = "optimizer.";

    /**
     * Reads a run directory (model.json + checkpoint.safetensors) or a checkpoint file with model.json beside
     * it, as {@code lipreg eval --checkpoint} does; a missing file is a {@link BadSettingException}.
     *
     * @param option the option that named the path, for messages (e.g. "--checkpoint")
     * @param path   a run directory or a checkpoint file
     * @return the model's bytes, named after its directory
     * @throws BadSettingException if the checkpoint or model.json is missing or unreadable
     */
    public static ModelBytes read(String option, Path path) {
        Path checkpoint = Files.isDirectory(path) ? path.resolve(CHECKPOINT) : path;
        if (!Files.isRegularFile(checkpoint)) {
            throw new BadSettingException(option + ": expected a run directory holding " + CHECKPOINT + " or a checkpoint file, got " + path
                    + " (no such file)");
        }
        Path dir = checkpoint.toAbsolutePath().getParent();
        Path spec = dir.resolve(SPEC);
        if (!Files.isRegularFile(spec)) throw new BadSettingException(option + ": expected the model spec " + SPEC + " beside the checkpoint, none in " + dir);
        try {
            String json = Files.readString(spec, StandardCharsets.UTF_8);
            byte[] weights = Files.readAllBytes(checkpoint);
            String name = dir.getFileName() == null ? checkpoint.getFileName().toString() : dir.getFileName().toString();
            return new ModelBytes(name, checkpoint.toString(), json, weights, sha256(json, weights));
        } catch (IOException e) {
            throw new BadSettingException(option + ": cannot read " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** The same model under another report name (two runs may share a directory name). */
    ModelBytes named(String other) {
        return new ModelBytes(other, checkpoint, specJson, weights, hash);
    }

    /** {@return the parsed model spec (the parser's exception for malformed JSON)} */
    public ModelSpec spec() {
        return ModelSpec.parse(specJson);
    }

    /**
     * Builds the model in the current scope on {@code backend}, loads its weights and switches it to evaluation
     * mode. Every weight is checked first: a tensor that does not fit, or NaN and infinite values, fail with the
     * tensor's name.
     */
    Module build(Backend backend) {
        Module m = spec().build(new Init(backend, 0));
        Path file = null;
        try (Scope read = Scope.open()) {
            file = Files.createTempFile("lipreg-model-" + hash.substring(0, 12) + "-", ".safetensors");
            Files.write(file, weights);
            SafeTensorFile f = SafeTensors.read(file, backend);
            Map<String, Tensor> state = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (!k.startsWith(OPTIMIZER_PREFIX)) state.put(k, v);
            });
            state.forEach(this::checkFinite);
            m.loadStateDict(state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the checkpoint of " + name + " in the temp directory: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // the reader names the staged copy; the user knows the checkpoint
            String why = file == null ? Failures.message(e) : Failures.message(e).replace(file.toString(), checkpoint);
            throw new IllegalArgumentException(why.contains(checkpoint) ? why : checkpoint + ": " + why, e);
        } finally {
            if (file != null) file.toFile().delete();
        }
        m.eval();
        return m;
    }

    private void checkFinite(String tensor, Tensor t) {
        if (!t.dtype().isFloating()) return;
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("tensor '" + tensor + "' holds " + v[i] + " at element " + i
                        + "; a model with non-finite weights gives NaN results (was the run diverging?)");
            }
        }
    }

    private static String sha256(String spec, byte[] weights) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(spec.getBytes(StandardCharsets.UTF_8));
            d.update(weights);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
