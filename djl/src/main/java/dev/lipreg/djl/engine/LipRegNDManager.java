package dev.lipreg.djl.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.util.Set;

/**
 * Creates the LipReg engine's host arrays. Work on them runs on the alternative
 * engine's manager (DJL's default engine when it ranks before LipReg, e.g.
 * PyTorch); when there is none, a {@link Refusal} stands in and names the
 * operation that cannot run.
 */
class LipRegNDManager extends BaseNDManager {
    private static final LipRegNDManager SYSTEM = new SystemManager();

    LipRegNDManager(NDManager parent, Device device) {
        super(parent, device);
    }

    static LipRegNDManager system() {
        return SYSTEM;
    }

    /** The manager that runs the operations this engine does not implement. */
    NDManager delegate() {
        return alternativeManager != null ? alternativeManager : Refusal.INSTANCE;
    }

    @Override
    public ByteBuffer allocateDirect(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    @Override
    public NDArray from(NDArray array) {
        if (array == null || array instanceof LipRegNDArray) return array;
        NDArray copy = create(array.toByteBuffer(), array.getShape(), array.getDataType());
        copy.setName(array.getName());
        return copy;
    }

    @Override
    public NDArray create(Buffer data, Shape shape, DataType dataType) {
        if (dataType == DataType.STRING) throw new UnsupportedOperationException("the LipReg engine has no string arrays");
        int size = Math.toIntExact(shape.size());
        BaseNDManager.validateBuffer(data, dataType, size);
        ByteBuffer copy = allocateDirect(size * dataType.getNumOfBytes());
        BaseNDManager.copyBuffer(data, copy);
        copy.rewind();
        return new LipRegNDArray(this, delegate(), copy, shape, dataType);
    }

    @Override
    public NDArray create(String[] data, Charset charset, Shape shape) {
        throw new UnsupportedOperationException("the LipReg engine has no string arrays");
    }

    @Override
    public NDArray full(Shape shape, float value, DataType dataType) {
        return delegate().full(shape, value, dataType);
    }

    @Override
    public NDArray arange(float start, float stop, float step, DataType dataType) {
        return delegate().arange(start, stop, step, dataType);
    }

    @Override
    public NDArray randomUniform(float low, float high, Shape shape, DataType dataType) {
        return delegate().randomUniform(low, high, shape, dataType);
    }

    @Override
    public NDArray randomNormal(float loc, float scale, Shape shape, DataType dataType) {
        return delegate().randomNormal(loc, scale, shape, dataType);
    }

    @Override
    public LipRegNDManager newSubManager(Device device) {
        LipRegNDManager m = new LipRegNDManager(this, device);
        attachInternal(m.uid, m);
        return m;
    }

    @Override
    public final Engine getEngine() {
        return Engine.getEngine(LipRegEngine.ENGINE_NAME);
    }

    @Override
    public void close() {
        super.close();
        if (alternativeManager != null) {
            alternativeManager.close();
            alternativeManager = null;
        }
    }

    /** The root manager; never closed. */
    private static final class SystemManager extends LipRegNDManager implements SystemNDManager {
        SystemManager() {
            super(null, null);
        }

        @Override
        public void close() {
        }
    }

    /**
     * Stands in for the alternative engine when there is none: every operation
     * the LipReg engine does not implement fails here, named.
     */
    static final class Refusal extends LipRegNDManager implements SystemNDManager {
        static final Refusal INSTANCE = new Refusal();
        private static final Set<String> INTERNAL = Set.of("from", "getAlternativeArray", "delegate");

        private Refusal() {
            super(null, null);
        }

        @Override
        public NDArray from(NDArray array) {
            throw refused();
        }

        @Override
        public NDArray full(Shape shape, float value, DataType dataType) {
            throw refused();
        }

        @Override
        public NDArray arange(float start, float stop, float step, DataType dataType) {
            throw refused();
        }

        @Override
        public NDArray randomUniform(float low, float high, Shape shape, DataType dataType) {
            throw refused();
        }

        @Override
        public NDArray randomNormal(float loc, float scale, Shape shape, DataType dataType) {
            throw refused();
        }

        @Override
        public void close() {
        }

        /** Names the NDArray or NDManager method that needed the alternative engine. */
        private static UnsupportedOperationException refused() {
            String op = StackWalker.getInstance().walk(frames -> frames
                    .filter(f -> f.getClassName().startsWith("ai.djl.ndarray.") || f.getClassName().startsWith("dev.lipreg.djl.engine."))
                    .map(StackWalker.StackFrame::getMethodName)
                    .filter(m -> !INTERNAL.contains(m) && !m.equals("refused"))
                    .findFirst()).orElse("this operation");
            return new UnsupportedOperationException("the LipReg engine does not implement " + op + " and no alternative engine is available "
                    + "to run it (put ai.djl.pytorch:pytorch-engine on the class path, or unset ai.djl.lipreg.disable_alternative)");
        }
    }
}
