package dev.lipreg.djl.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;

/** Registers {@link LipRegEngine} with DJL (META-INF/services/ai.djl.engine.EngineProvider). */
public final class LipRegEngineProvider implements EngineProvider {
    /** The provider DJL's ServiceLoader instantiates. */
    public LipRegEngineProvider() {
    }

    @Override
    public String getEngineName() {
        return LipRegEngine.ENGINE_NAME;
    }

    @Override
    public int getEngineRank() {
        return LipRegEngine.RANK;
    }

    @Override
    public Engine getEngine() {
        return Holder.ENGINE;
    }

    private static final class Holder {
        static final Engine ENGINE = new LipRegEngine();
    }
}
