package dev.lipreg.djl.engine;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The DJL engine "LipReg": loads LipReg run directories and checkpoints as DJL
 * models ({@code Criteria.builder().optEngine("LipReg")}). It implements model
 * inference only; other NDArray work goes to the alternative engine — DJL's
 * default engine when that ranks before this one (PyTorch), unless
 * {@code -Dai.djl.lipreg.disable_alternative=true} — the way DJL's ONNX Runtime
 * engine does.
 */
public final class LipRegEngine extends Engine {
    /** The engine's name, as {@code Engine.getEngine("LipReg")} and {@code Criteria.optEngine} take it. */
    public static final String ENGINE_NAME = "LipReg";
    static final int RANK = 20;

    private Engine alternativeEngine;
    private boolean initialized;

    LipRegEngine() {
    }

    @Override
    public synchronized Engine getAlternativeEngine() {
        if (!initialized && !Boolean.getBoolean("ai.djl.lipreg.disable_alternative")) {
            Engine engine = Engine.getInstance();
            if (engine.getRank() < getRank()) alternativeEngine = engine;
            initialized = true;
        }
        return alternativeEngine;
    }

    @Override
    public String getEngineName() {
        return ENGINE_NAME;
    }

    @Override
    public int getRank() {
        return RANK;
    }

    @Override
    public String getVersion() {
        Package p = LipRegEngine.class.getPackage();
        return p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion();
    }

    @Override
    public boolean hasCapability(String capability) {
        return false;
    }

    @Override
    public Model newModel(String name, Device device) {
        return new LipRegModel(name, newBaseManager(device));
    }

    @Override
    public NDManager newBaseManager() {
        return newBaseManager(null);
    }

    @Override
    public NDManager newBaseManager(Device device) {
        return LipRegNDManager.system().newSubManager(device);
    }

    @Override
    public String toString() {
        return ENGINE_NAME + ":" + getVersion();
    }
}
