package dev.lipreg.tensor.io;

import dev.lipreg.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts between tensor memory (native byte order) and safetensors bytes
 * (little-endian). A plain copy on little-endian machines; a byte swap elsewhere.
 */
final class LittleEndian {
    private LittleEndian() {
    }

    /** Copies {@code count} elements from native-order {@code src} to little-endian {@code dst}. */
    static void fromNative(DType dtype, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long count) {
        MemorySegment.copy(src, nativeLayout(dtype), srcOffset, dst, fileLayout(dtype), dstOffset, count);
    }

    /** Rewrites little-endian elements of {@code seg} in place into native order (no-op on little-endian machines). */
    static void toNativeInPlace(DType dtype, MemorySegment seg) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) return;
        long count = seg.byteSize() / dtype.byteSize();
        MemorySegment.copy(seg, fileLayout(dtype), 0, seg, nativeLayout(dtype), 0, count);
    }

    // Alignment 1: heap buffers and file slices carry no alignment guarantee.
    private static ValueLayout nativeLayout(DType dtype) {
        return ((ValueLayout) dtype.layout()).withByteAlignment(1);
    }

    private static ValueLayout fileLayout(DType dtype) {
        return nativeLayout(dtype).withOrder(ByteOrder.LITTLE_ENDIAN);
    }
}
