package dev.lipreg.djl.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrayAdapter;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * A host array of the LipReg engine: data, shape and type. Every operation on it
 * runs on the alternative engine (PyTorch when it is on the class path), as
 * DJL's ONNX Runtime engine does; without one it is refused by name.
 */
final class LipRegNDArray extends NDArrayAdapter {
    private ByteBuffer data;

    LipRegNDArray(LipRegNDManager manager, NDManager alternativeManager, ByteBuffer data, Shape shape, DataType dataType) {
        super(manager, alternativeManager, shape, dataType, UUID.randomUUID().toString());
        this.data = data;
        manager.attachInternal(uid, this);
    }

    @Override
    public ByteBuffer toByteBuffer(boolean tryDirect) {
        if (isClosed) throw new IllegalStateException("the array " + uid + " is closed");
        return data.duplicate().order(data.order()).rewind();
    }

    @Override
    public void intern(NDArray replaced) {
        LipRegNDArray other = (LipRegNDArray) replaced;
        this.data = other.data;
        this.shape = other.shape;
        this.dataType = other.dataType;
        other.data = null;
        replaced.close();
    }

    @Override
    public void detach() {
        manager.detachInternal(getUid());
        manager = LipRegNDManager.system();
    }

    @Override
    public void close() {
        super.close();
        data = null;
    }
}
