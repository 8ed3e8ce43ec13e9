package dev.lipreg.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/** Copies between LipReg tensors and DJL NDArrays: float32 on the DJL side, the caller's float type on LipReg's. */
public final class Conversions {
    private Conversions() {
    }

    /** A float32 NDArray with {@code t}'s shape and values, owned by {@code manager}. */
    public static NDArray toNd(Tensor t, NDManager manager) {
        if (!t.dtype().isFloating()) throw new IllegalArgumentException("expected a FLOAT32 or FLOAT64 tensor, got " + t.dtype());
        long[] dims = java.util.Arrays.stream(t.shape().dims()).asLongStream().toArray();
        return manager.create(t.toFloatArray(), new ai.djl.ndarray.types.Shape(dims));
    }

    /** A tensor of {@code dtype} on {@code backend}, in the current scope, with {@code a}'s shape and values. */
    public static Tensor toTensor(NDArray a, Backend backend, DType dtype) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("expected FLOAT32 or FLOAT64, got " + dtype);
        Shape shape = shapeOf(a);
        float[] values = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, true).toFloatArray();
        if (dtype == DType.FLOAT32) return backend.fromArray(values, shape);
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) d[i] = values[i];
        return backend.fromArray(d, shape);
    }

    /** {@code a}'s shape as a LipReg shape; fails for dimensions beyond int range. */
    public static Shape shapeOf(NDArray a) {
        long[] s = a.getShape().getShape();
        int[] dims = new int[s.length];
        for (int i = 0; i < s.length; i++) dims[i] = Math.toIntExact(s[i]);
        return Shape.of(dims);
    }
}
