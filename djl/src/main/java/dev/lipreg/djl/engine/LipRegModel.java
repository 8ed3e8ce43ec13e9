package dev.lipreg.djl.engine;

import ai.djl.BaseModel;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.tensor.Backends;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A LipReg run directory or checkpoint loaded as a DJL {@link ai.djl.Model}.
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
        LipRegRun run;
        ModelSpec spec;
        try {
            run = LipRegRun.resolve(modelPath, prefix);
            spec = run.readSpec();
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(e.getMessage(), e);
        }
        setModelDir(run.checkpoint().toAbsolutePath().getParent());
        Object backend = options == null ? null : options.get("backend");
        ModelThread t = new ModelThread(modelName, backend == null ? Backends.auto() : Backends.byName(backend.toString()));
        try {
            t.load(run, spec);
        } catch (RuntimeException e) {
            t.close();
            throw new MalformedModelException(e.getMessage(), e);
        }
        thread = t;
        block = new LipRegBlock(spec, t);
        wasLoaded = true;
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
