package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;

/** The memory operations every host (CPU) backend shares: tensors are plain row-major bytes in the current scope. */
public final class HostMemory {
    private HostMemory() {
    }

    /** An uninitialized tensor of {@code backend} in the current scope. */
    public static Tensor allocate(Backend backend, Shape shape, DType dtype) {
        Scope scope = Scope.current();
        return new Tensor(backend, shape, dtype, scope.allocate(shape.size() * dtype.byteSize()), scope);
    }

    /** A tensor holding a copy of {@code host}, which must hold exactly shape × dtype bytes. */
    public static Tensor copyOf(Backend backend, MemorySegment host, Shape shape, DType dtype) {
        long bytes = shape.size() * dtype.byteSize();
        if (host.byteSize() != bytes) {
            throw new IllegalArgumentException("fromHost: " + host.byteSize() + " bytes given for " + dtype + shape + " (" + bytes + " bytes)");
        }
        Tensor t = allocate(backend, shape, dtype);
        MemorySegment.copy(host, 0, t.data(), 0, bytes);
        return t;
    }

    /** The tensor's own bytes (no copy). */
    public static MemorySegment bytes(Tensor t) {
        return t.data().asSlice(0, t.byteSize());
    }

    /** Overwrites {@code dst} with {@code src}; both the same shape and dtype. */
    public static void copyInto(Tensor dst, Tensor src) {
        if (!dst.shape().equals(src.shape()) || dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("copyInto: destination " + dst.dtype() + dst.shape() + " differs from source "
                    + src.dtype() + src.shape());
        }
        MemorySegment.copy(src.data(), 0, dst.data(), 0, src.byteSize());
    }
}
