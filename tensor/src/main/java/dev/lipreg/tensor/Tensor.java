package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, contiguous, row-major N-d array owned by a {@link Scope} and computed
 * on by one {@link Backend}. Tensors are values: ops return new tensors; only
 * {@link Backend#copyInto} writes into an existing one (parameter updates).
 */
public final class Tensor {
    private final Shape shape;
    private final DType dtype;
    private final Backend backend;
    private final MemorySegment data;
    private final Scope scope;
    private boolean released;

    /** For backends: wraps memory the backend allocated in {@code scope}. */
    public Tensor(Backend backend, Shape shape, DType dtype, MemorySegment data, Scope scope) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.data = Objects.requireNonNull(data, "data");
        this.scope = Objects.requireNonNull(scope, "scope");
        if (backend.device().isHost() && data.byteSize() < shape.size() * dtype.byteSize()) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes too small for " + dtype + shape);
        }
    }

    // ----------------------------------------------------------------- factories

    public static Tensor of(Backend backend, float[] values, int... dims) {
        return backend.fromArray(values, checkCount(values.length, dims));
    }

    public static Tensor of(Backend backend, double[] values, int... dims) {
        return backend.fromArray(values, checkCount(values.length, dims));
    }

    public static Tensor ofLabels(Backend backend, long[] labels) {
        return backend.fromArray(labels, Shape.of(labels.length));
    }

    public static Tensor ofLabels(Backend backend, int[] labels) {
        return ofLabels(backend, Arrays.stream(labels).asLongStream().toArray());
    }

    public static Tensor zeros(Backend backend, DType dtype, int... dims) {
        return backend.full(Shape.of(dims), dtype, 0);
    }

    public static Tensor scalar(Backend backend, DType dtype, double value) {
        return backend.full(Shape.scalar(), dtype, value);
    }

    private static Shape checkCount(int count, int[] dims) {
        Shape s = Shape.of(dims);
        if (s.size() != count) {
            throw new IllegalArgumentException(count + " values given for shape " + s + " of " + s.size() + " elements");
        }
        return s;
    }

    // ----------------------------------------------------------------- accessors

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public Backend backend() {
        return backend;
    }

    public Device device() {
        return backend.device();
    }

    public Scope scope() {
        return scope;
    }

    public int rank() {
        return shape.rank();
    }

    public int dim(int axis) {
        return shape.dim(axis);
    }

    public long size() {
        return shape.size();
    }

    public long byteSize() {
        return shape.size() * dtype.byteSize();
    }

    public boolean isAlive() {
        return scope.isOpen() && !released;
    }

    /** Its memory went back to the scope early ({@link Scope#release}). */
    void markReleased() {
        released = true;
    }

    /** The memory (host memory, or a device address for device backends); fails after the scope closed. */
    public MemorySegment data() {
        if (!scope.isOpen()) {
            throw new IllegalStateException("tensor " + dtype + shape + " used after its Scope closed; "
                    + "copy it to a longer-lived scope (Scope.run) or read it out (toFloatArray) before closing");
        }
        if (released) throw new IllegalStateException("tensor " + dtype + shape + " used after its memory was released (Scope.release)");
        return data;
    }

    // ----------------------------------------------------------------- views

    /** Same memory, new shape of equal size; one dimension may be -1. */
    public Tensor reshape(int... dims) {
        int infer = -1;
        long known = 1;
        int[] d = dims.clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: at most one -1 in " + Arrays.toString(dims));
                infer = i;
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || shape.size() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot view " + shape + " as " + Arrays.toString(dims));
            }
            d[infer] = (int) (shape.size() / known);
        }
        return reshape(Shape.of(d));
    }

    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("reshape: " + shape + " (" + shape.size() + " elements) cannot become "
                    + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(backend, newShape, dtype, data(), scope);
    }

    // ----------------------------------------------------------------- reading out

    public float[] toFloatArray() {
        MemorySegment host = hostCopy();
        return switch (dtype) {
            case FLOAT32 -> host.toArray(ValueLayout.JAVA_FLOAT);
            case FLOAT64 -> {
                double[] d = host.toArray(ValueLayout.JAVA_DOUBLE);
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
                yield f;
            }
            case INT32, INT64 -> {
                long[] l = toLongArray();
                float[] f = new float[l.length];
                for (int i = 0; i < l.length; i++) f[i] = l[i];
                yield f;
            }
        };
    }

    public double[] toDoubleArray() {
        MemorySegment host = hostCopy();
        return switch (dtype) {
            case FLOAT64 -> host.toArray(ValueLayout.JAVA_DOUBLE);
            case FLOAT32 -> {
                float[] f = host.toArray(ValueLayout.JAVA_FLOAT);
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) d[i] = f[i];
                yield d;
            }
            case INT32, INT64 -> Arrays.stream(toLongArray()).asDoubleStream().toArray();
        };
    }

    public long[] toLongArray() {
        MemorySegment host = hostCopy();
        return switch (dtype) {
            case INT64 -> host.toArray(ValueLayout.JAVA_LONG);
            case INT32 -> Arrays.stream(host.toArray(ValueLayout.JAVA_INT)).asLongStream().toArray();
            case FLOAT32, FLOAT64 -> throw new IllegalArgumentException("toLongArray: tensor is " + dtype + ", expected INT32 or INT64");
        };
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (shape.size() != 1) throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + shape);
        return toDoubleArray()[0];
    }

    /** A copy on another backend (or the same), in the current scope. */
    public Tensor to(Backend target) {
        if (target == backend) return backend.copy(this);
        MemorySegment host = hostCopy();
        return target.fromHost(host, shape, dtype);
    }

    private MemorySegment hostCopy() {
        return device().isHost() ? data().asSlice(0, byteSize()) : backend.toHost(this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(shape).append(", ").append(backend.name());
        if (!isAlive()) return sb.append(", freed)").toString();
        if (shape.size() <= 8 && dtype.isFloating()) sb.append(", ").append(Arrays.toString(toDoubleArray()));
        return sb.append(')').toString();
    }
}
