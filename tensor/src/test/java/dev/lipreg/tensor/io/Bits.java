package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Builds and reads tensors by raw bit patterns, so NaN payloads never pass through float arithmetic. */
final class Bits {
    private Bits() {
    }

    static Tensor f32(Backend b, int[] bits, int... dims) {
        return b.fromHost(MemorySegment.ofArray(bits), Shape.of(dims), DType.FLOAT32);
    }

    static Tensor f64(Backend b, long[] bits, int... dims) {
        return b.fromHost(MemorySegment.ofArray(bits), Shape.of(dims), DType.FLOAT64);
    }

    static Tensor i32(Backend b, int[] values, int... dims) {
        return b.fromHost(MemorySegment.ofArray(values), Shape.of(dims), DType.INT32);
    }

    static Tensor i64(Backend b, long[] values, int... dims) {
        return b.fromHost(MemorySegment.ofArray(values), Shape.of(dims), DType.INT64);
    }

    static int[] intBits(Tensor t) {
        return host(t).toArray(ValueLayout.JAVA_INT);
    }

    static long[] longBits(Tensor t) {
        return host(t).toArray(ValueLayout.JAVA_LONG);
    }

    private static MemorySegment host(Tensor t) {
        return t.device().isHost() ? t.data().asSlice(0, t.byteSize()) : t.backend().toHost(t);
    }
}
