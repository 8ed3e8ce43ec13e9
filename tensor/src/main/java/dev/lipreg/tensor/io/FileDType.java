package dev.lipreg.tensor.io;

import dev.lipreg.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types a safetensors file may hold and LipReg reads, with the {@link DType}
 * each becomes in memory: the half-precision types widen to float32 (exactly), the others
 * are LipReg's own. F64 tensors stay float64 where the backend holds float64, else
 * they are rounded to float32 on load (see {@link #toFloat32}).
 */
enum FileDType {
    F16(2, DType.FLOAT32),
    BF16(2, DType.FLOAT32),
    F32(4, DType.FLOAT32),
    F64(8, DType.FLOAT64),
    I32(4, DType.INT32),
    I64(8, DType.INT64);

    /** For messages: the codes {@link #of} accepts. */
    static final String NAMES = "F16, BF16, F32, F64, I32, I64";

    private final int byteSize;
    private final DType loadsAs;

    FileDType(int byteSize, DType loadsAs) {
        this.byteSize = byteSize;
        this.loadsAs = loadsAs;
    }

    int byteSize() {
        return byteSize;
    }

    /** The dtype of the tensor this entry becomes, before a float64 → float32 rounding for backends without float64. */
    DType loadsAs() {
        return loadsAs;
    }

    /** The type named {@code code} in a header ("F16", "BF16", ...), or null when LipReg does not read it. */
    static FileDType of(String code) {
        for (FileDType t : values()) if (t.name().equals(code)) return t;
        return null;
    }

    /** The file type of a LipReg dtype (what the writer stores). */
    static FileDType of(DType dtype) {
        return valueOf(dtype.safetensorsName());
    }

    /**
     * The float32 value of an IEEE 754 binary16 bit pattern; exact for every pattern: subnormals, ±0, ±∞,
     * and NaNs with their payload bit for bit (as {@link #bfloat16ToFloat}; {@code Float.float16ToFloat}
     * would set the quiet bit).
     */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff, sign = (h & 0x8000) << 16, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | m << 13);
        if (e != 0) return Float.intBitsToFloat(sign | (e + 127 - 15) << 23 | m << 13);
        float subnormal = m * 0x1p-24f; // m · 2^-24 has at most 10 significant bits: exact
        return sign != 0 ? -subnormal : subnormal;
    }

    /** The float32 value of a bfloat16 bit pattern: its 16 bits are float32's high half, so exact for every pattern. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * Converts the little-endian elements of {@code src} (of this floating type) into native-order
     * float32 in {@code dst}: F16 and BF16 exactly, F64 to the nearest float32 (round half to even, as
     * PyTorch's {@code .float()}); NaN and ±∞ stay NaN and ±∞.
     *
     * @return the index of the first finite element beyond float32's range (which would become ±∞), or -1
     */
    long toFloat32(MemorySegment src, MemorySegment dst) {
        long n = src.byteSize() / byteSize;
        for (long i = 0; i < n; i++) {
            float f = switch (this) {
                case F16 -> halfToFloat(src.getAtIndex(SHORT, i));
                case BF16 -> bfloat16ToFloat(src.getAtIndex(SHORT, i));
                case F32 -> src.getAtIndex(FLOAT, i);
                case F64 -> (float) src.getAtIndex(DOUBLE, i);
                case I32, I64 -> throw new IllegalStateException(this + " is not a floating type");
            };
            if (Float.isInfinite(f) && this == F64 && !Double.isInfinite(src.getAtIndex(DOUBLE, i))) return i;
            dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, f);
        }
        return -1;
    }

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
