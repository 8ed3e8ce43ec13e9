package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, contiguous, row-major N-d array owned by a {@link Scope} and computed
 * on by one {@link Backend}. Tensors are values: ops return new tensors; only
 * {@link Backend#copyInto} writes into an existing one (parameter updates).
 *
 * <p>A backend may leave an op's result in a {@link StorageLayout} of its own (the
 * same bytes, the elements in another order), so that the next op of that backend
 * reads it without a conversion; {@link #data()} turns it row-major first, in place,
 * so everything else only ever sees row-major memory.
 */
public final class Tensor {
    private final Shape shape;
    private final DType dtype;
    private final Backend backend;
    private final MemorySegment data;
    private final Scope scope;
    private boolean released;
    /** Null while the memory is row-major. */
    private volatile StorageLayout layout;

    /**
     * For backends: wraps memory the backend allocated in {@code scope}.
     *
     * @param backend the backend that made the memory
     * @param shape   the shape
     * @param dtype   the element type
     * @param data    the memory (host memory, or a device address)
     * @param scope   the scope that frees it
     */
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

    /**
     * A float32 tensor of {@code values} in the given shape, on {@code backend}, in the current scope.
     *
     * @param backend the backend
     * @param values  the values, row-major
     * @param dims    the shape; its size must equal the number of values
     * @return the tensor
     */
    public static Tensor of(Backend backend, float[] values, int... dims) {
        return backend.fromArray(values, checkCount(values.length, dims));
    }

    /**
     * A float64 tensor of {@code values} in the given shape, on {@code backend}, in the current scope.
     *
     * @param backend the backend
     * @param values  the values, row-major
     * @param dims    the shape; its size must equal the number of values
     * @return the tensor
     */
    public static Tensor of(Backend backend, double[] values, int... dims) {
        return backend.fromArray(values, checkCount(values.length, dims));
    }

    /**
     * An int64 label vector [N] on {@code backend}, in the current scope.
     *
     * @param backend the backend
     * @param labels  the labels
     * @return the tensor
     */
    public static Tensor ofLabels(Backend backend, long[] labels) {
        return backend.fromArray(labels, Shape.of(labels.length));
    }

    /**
     * An int64 label vector [N] on {@code backend}, in the current scope.
     *
     * @param backend the backend
     * @param labels  the labels
     * @return the tensor
     */
    public static Tensor ofLabels(Backend backend, int[] labels) {
        return ofLabels(backend, Arrays.stream(labels).asLongStream().toArray());
    }

    /**
     * A tensor of zeros, in the current scope.
     *
     * @param backend the backend
     * @param dtype   the element type
     * @param dims    the shape
     * @return the tensor
     */
    public static Tensor zeros(Backend backend, DType dtype, int... dims) {
        return backend.full(Shape.of(dims), dtype, 0);
    }

    /**
     * A rank-0 tensor holding {@code value}, in the current scope.
     *
     * @param backend the backend
     * @param dtype   the element type
     * @param value   the value
     * @return the tensor
     */
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

    /** {@return the shape} */
    public Shape shape() {
        return shape;
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the backend that made this tensor} */
    public Backend backend() {
        return backend;
    }

    /** {@return the device the memory is on} */
    public Device device() {
        return backend.device();
    }

    /** {@return the scope that frees this tensor} */
    public Scope scope() {
        return scope;
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return shape.rank();
    }

    /**
     * The size of dimension {@code axis}.
     *
     * @param axis the axis (negative counts from the end)
     * @return its size
     */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** {@return the number of elements} */
    public long size() {
        return shape.size();
    }

    /** {@return the number of bytes of the elements} */
    public long byteSize() {
        return shape.size() * dtype.byteSize();
    }

    /** {@return whether the tensor's scope is still open, so its memory may be used} */
    public boolean isAlive() {
        return scope.isOpen() && !released;
    }

    /** Its memory went back to the scope early ({@link Scope#release}). */
    void markReleased() {
        released = true;
    }

    /**
     * The memory, row-major (host memory, or a device address for device backends);
     * a tensor in a backend's {@link StorageLayout} is converted first, once.
     *
     * @return the memory
     * @throws IllegalStateException after the scope closed or the memory was released
     */
    public MemorySegment data() {
        MemorySegment d = storage();
        StorageLayout l = layout;
        if (l != null) l.toRowMajor(this);
        return d;
    }

    /**
     * For backends: the memory as it is, in {@link #storageLayout()} (its address
     * identifies the tensor's block whatever the layout).
     *
     * @return the memory
     * @throws IllegalStateException after the scope closed or the memory was released
     */
    public MemorySegment storage() {
        if (!scope.isOpen()) {
            throw new IllegalStateException("tensor " + dtype + shape + " used after its Scope closed; "
                    + "copy it to a longer-lived scope (Scope.run) or read it out (toFloatArray) before closing");
        }
        if (released) throw new IllegalStateException("tensor " + dtype + shape + " used after its memory was released (Scope.release)");
        return data;
    }

    /** {@return the backend's layout the memory is in, or null when it is row-major} */
    public StorageLayout storageLayout() {
        return layout;
    }

    /**
     * For backends: declares the order the elements are in now. A kernel sets a
     * layout on the fresh tensor it just wrote, before anyone else sees it; the
     * layout's {@link StorageLayout#toRowMajor} sets null once it has converted.
     *
     * @param l the layout, or null for row-major
     */
    public void setStorageLayout(StorageLayout l) {
        if (l != null && !backend.device().isHost()) throw new IllegalArgumentException("storage layouts are for host tensors");
        layout = l;
    }

    // ----------------------------------------------------------------- views

    /**
     * Same memory, new shape of equal size; one dimension may be -1.
     *
     * @param dims the new dims
     * @return the view
     */
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

    /**
     * Same memory, new shape of equal size.
     *
     * @param newShape the new shape
     * @return the view
     */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("reshape: " + shape + " (" + shape.size() + " elements) cannot become "
                    + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(backend, newShape, dtype, data(), scope);
    }

    // ----------------------------------------------------------------- reading out

    /** {@return the elements as floats (integers converted), copied to the host} */
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

    /** {@return the elements as doubles, copied to the host} */
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

    /** {@return the elements of an integer tensor as longs, copied to the host} */
    public long[] toLongArray() {
        MemorySegment host = hostCopy();
        return switch (dtype) {
            case INT64 -> host.toArray(ValueLayout.JAVA_LONG);
            case INT32 -> Arrays.stream(host.toArray(ValueLayout.JAVA_INT)).asLongStream().toArray();
            case FLOAT32, FLOAT64 -> throw new IllegalArgumentException("toLongArray: tensor is " + dtype + ", expected INT32 or INT64");
        };
    }

    /** {@return the value of a one-element tensor} */
    public double item() {
        if (shape.size() != 1) throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + shape);
        return toDoubleArray()[0];
    }

    /**
     * A copy on another backend (or the same), in the current scope.
     *
     * @param target the backend to copy to
     * @return the copy
     */
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
