package dev.lipreg.djl.engine;

import ai.djl.BaseModel;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A LipReg run directory or checkpoint, or an ONNX file (through LipReg's ONNX
 * import), loaded as a DJL {@link ai.djl.Model}.
 * Option "backend" (reference, dnnl, auto; default auto) picks LipReg's backend.
 */
final class LipRegModel extends BaseModel {
    private ModelThread thread;

    LipRegModel(String name, NDManager manager) {
        super(name);
        this.manager = manager;
        this.manager.setName("lipregModel");
        this.dataType = DataType.FLOAT32;
    }

    @Override
    public void load(Path modelPath, String prefix, Map<String, ?> options) throws IOException, MalformedModelException {
        if (block != null) throw new IllegalStateException("model " + modelName + " is already loaded");
        // DJL passes no prefix for a directory: the model name (optModelName, else the directory's name) picks its .onnx file
        OnnxFile onnx = OnnxFile.resolve(modelPath, prefix != null ? prefix : modelName);
        if (onnx != null) {
            loadOnnx(onnx, options);
            return;
        }
        LipRegRun run;
        ModelSpec spec;
        try {
            run = LipRegRun.resolve(modelPath, prefix);
            spec = run.readSpec();
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(e.getMessage(), e);
        }
        setModelDir(run.checkpoint().toAbsolutePath().getParent());
        ModelThread t = new ModelThread(modelName, backend(options));
        try {
            t.load(b -> run.load(spec, b));
        } catch (RuntimeException e) {
            t.close();
            throw new MalformedModelException(e.getMessage(), e);
        }
        serve(t, Signature.of(spec));
    }

    /** An ONNX file through LipReg's import; what the import refuses is a MalformedModelException with its message. */
    private void loadOnnx(OnnxFile onnx, Map<String, ?> options) throws MalformedModelException {
        setModelDir(onnx.file().toAbsolutePath().getParent());
        ModelThread t = new ModelThread(modelName, backend(options));
        Signature signature;
        try {
            t.load(onnx::load);
            signature = t.call(m -> OnnxFile.signature((OnnxModel) m, t.backend()));
        } catch (RuntimeException e) {
            t.close();
            throw new MalformedModelException(e.getMessage(), e);
        }
        serve(t, signature);
    }

    private void serve(ModelThread t, Signature signature) {
        thread = t;
        block = new LipRegBlock(signature, t);
        wasLoaded = true;
    }

    private static Backend backend(Map<String, ?> options) {
        Object name = options == null ? null : options.get("backend");
        if (name == null) return Backends.auto();
        try {
            return Backends.byName(name.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model option backend: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.close();
            thread = null;
        }
        super.close();
    }
}
