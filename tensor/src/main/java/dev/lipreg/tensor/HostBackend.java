package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A {@link KernelBackend} whose tensors are plain row-major host memory in the
 * current {@link Scope}: the memory kernels every CPU backend shares.
 */
public abstract class HostBackend extends KernelBackend {

    /**
     * A backend whose tensors live in host memory from the scopes' pool.
     *
     * @param serialized  whether ops on one instance run one at a time
     * @param float32Only whether FLOAT64 is refused
     */
    protected HostBackend(boolean serialized, boolean float32Only) {
        super(serialized, float32Only);
    }

    @Override
    protected final Tensor allocate(Shape shape, DType dtype) {
        Scope scope = Scope.current();
        return new Tensor(this, shape, dtype, scope.allocate(shape.size() * dtype.byteSize()), scope);
    }

    @Override
    protected final void uploadKernel(MemorySegment host, Tensor t) {
        MemorySegment.copy(host, 0, t.data(), 0, t.byteSize());
    }

    /** The tensor's own bytes (no copy). */
    @Override
    protected final MemorySegment downloadKernel(Tensor t) {
        return t.data().asSlice(0, t.byteSize());
    }

    @Override
    protected final void copyKernel(Tensor x, Tensor y) {
        MemorySegment.copy(x.data(), 0, y.data(), 0, x.byteSize());
    }
}
