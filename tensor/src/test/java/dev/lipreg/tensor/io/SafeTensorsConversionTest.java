package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.lipreg.tensor.io.MalformedFiles.file;
import static dev.lipreg.tensor.io.MalformedFiles.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dtype conversion on load: every F16 and BF16 bit pattern widens to the float32 an independent
 * decoding of the format gives (subnormals, ±0, ±∞, NaN payloads), on the reference and the oneDNN
 * backend; F64 is kept on the reference backend and rounded half-to-even to float32 on oneDNN,
 * checked at the halfway points and the subnormal edge; a finite F64 beyond float32's range is
 * refused; integers stay integers.
 */
class SafeTensorsConversionTest {
    @TempDir
    Path dir;

    private Path write(String dtype, int count, ByteBuffer data) throws IOException {
        Path p = dir.resolve(dtype + ".safetensors");
        Files.write(p, file(one("w", dtype, "[" + count + "]", "[0," + data.capacity() + "]"), data.array()));
        return p;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** All 65536 16-bit patterns, in order. */
    private static ByteBuffer everyPattern() {
        ByteBuffer b = le(2 << 16);
        for (int i = 0; i < 1 << 16; i++) b.putShort((short) i);
        return b;
    }

    /**
     * The float32 bits of a 16-bit pattern with {@code expBits} exponent bits, decoded from the format's
     * definition (value = (-1)^s · 2^(e − bias) · 1.m, subnormal 2^(1 − bias) · 0.m); NaN keeps its payload
     * in float32's high mantissa bits.
     */
    private static int decoded(int pattern, int expBits) {
        int manBits = 15 - expBits, bias = (1 << (expBits - 1)) - 1;
        int sign = pattern >>> 15, e = (pattern >>> manBits) & ((1 << expBits) - 1), m = pattern & ((1 << manBits) - 1);
        if (e == (1 << expBits) - 1) return sign << 31 | 0x7f800000 | m << (23 - manBits);
        double magnitude = e == 0 ? m * Math.pow(2, 1 - bias - manBits) : (m + (1 << manBits)) * Math.pow(2, e - bias - manBits);
        float f = (float) magnitude; // exact: the value has at most 11 significant bits and fits float32's range
        assertEquals(magnitude, f, 0, "decoding " + pattern);
        return Float.floatToRawIntBits(sign == 1 ? -f : f);
    }

    private static void assertEveryPattern(Tensor t, int expBits, String what) {
        assertEquals(DType.FLOAT32, t.dtype());
        float[] v = t.toFloatArray();
        assertEquals(1 << 16, v.length);
        for (int i = 0; i < v.length; i++) {
            int expected = decoded(i, expBits), actual = Float.floatToRawIntBits(v[i]);
            if (expected != actual) {
                throw new AssertionError(what + ": pattern 0x" + Integer.toHexString(i) + " gave " + v[i] + " (0x" + Integer.toHexString(actual)
                        + "), expected " + Float.intBitsToFloat(expected) + " (0x" + Integer.toHexString(expected) + ")");
            }
        }
    }

    private static Backend dnnl() {
        return Backends.byName("dnnl");
    }

    @Test
    void everyFloat16PatternWidensExactly() throws IOException {
        Path f16 = write("F16", 1 << 16, everyPattern());
        for (Backend b : new Backend[]{Backends.reference(), dnnl()}) {
            try (Scope s = Scope.open()) {
                assertEveryPattern(SafeTensors.read(f16, b).tensor("w"), 5, "F16 on " + b.name());
            }
        }
        // spot checks a reader can recognise: 1, -2, the smallest subnormal 2^-24, the largest normal 65504, +∞
        assertEquals(1f, FileDType.halfToFloat((short) 0x3c00));
        assertEquals(-2f, FileDType.halfToFloat((short) 0xc000));
        assertEquals(0x1p-24f, FileDType.halfToFloat((short) 0x0001));
        assertEquals(65504f, FileDType.halfToFloat((short) 0x7bff));
        assertEquals(Float.POSITIVE_INFINITY, FileDType.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(FileDType.halfToFloat((short) 0x7e00)));
    }

    @Test
    void everyBfloat16PatternWidensExactly() throws IOException {
        Path bf16 = write("BF16", 1 << 16, everyPattern());
        for (Backend b : new Backend[]{Backends.reference(), dnnl()}) {
            try (Scope s = Scope.open()) {
                assertEveryPattern(SafeTensors.read(bf16, b).tensor("w"), 8, "BF16 on " + b.name());
            }
        }
        assertEquals(1f, FileDType.bfloat16ToFloat((short) 0x3f80));
        assertEquals(0x1p-133f, FileDType.bfloat16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(Float.NEGATIVE_INFINITY, FileDType.bfloat16ToFloat((short) 0xff80));
        assertEquals(-0f, FileDType.bfloat16ToFloat((short) 0x8000));
        assertEquals(0x80000000, Float.floatToRawIntBits(FileDType.bfloat16ToFloat((short) 0x8000)));
    }

    @Test
    void float64IsKeptOnTheReferenceAndRoundedHalfToEvenOnOneDnn() throws IOException {
        double[] in = {
                1 + 0x1p-24,              // halfway between 1 and 1 + 2^-23: ties to even, 1
                1 + 3 * 0x1p-24,          // halfway between 1 + 2^-23 and 1 + 2^-22: ties to even, 1 + 2^-22
                1 + 0x1p-24 + 0x1p-50,    // just above the halfway point: up
                0x1p-150,                 // half the smallest float32 subnormal: ties to even, 0
                0x1p-150 * (1 + 0x1p-20), // just above: the smallest subnormal
                3 * 0x1p-150,             // 1.5 smallest subnormals: ties to even, 2 of them
                -0.0, 0.1, Math.PI,
                Float.MAX_VALUE + 0x1p102, // below MAX + half an ulp (2^103): rounds down to MAX
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
        float[] expected = {
                1f, 0x1.000004p0f, 0x1.000002p0f, 0f, 0x1p-149f, 0x1p-148f, -0f, 0x1.99999ap-4f, 0x1.921fb6p1f,
                Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        ByteBuffer data = le(8 * in.length);
        for (double d : in) data.putDouble(d);
        Path f64 = write("F64", in.length, data);
        try (Scope s = Scope.open()) {
            Tensor kept = SafeTensors.read(f64, Backends.reference()).tensor("w");
            assertEquals(DType.FLOAT64, kept.dtype());
            double[] back = kept.toDoubleArray();
            for (int i = 0; i < in.length; i++) assertEquals(Double.doubleToRawLongBits(in[i]), Double.doubleToRawLongBits(back[i]), "element " + i);

            Tensor rounded = SafeTensors.read(f64, dnnl()).tensor("w");
            assertEquals(DType.FLOAT32, rounded.dtype());
            float[] got = rounded.toFloatArray();
            for (int i = 0; i < in.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]), "element " + i + ": " + in[i] + " -> " + got[i]);
            }
        }
    }

    @Test
    void float64BeyondFloat32IsRefusedWhereItWouldBeRounded() throws IOException {
        ByteBuffer data = le(24).putDouble(1).putDouble(-2).putDouble(-1e300);
        Path f64 = write("F64", 3, data);
        try (Scope s = Scope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(f64, dnnl()));
            assertTrue(e.getMessage().contains("tensor 'w' is F64 and holds -1.0E300 at element 2, beyond float32's range (±3.4028235E38), "
                    + "which backend 'dnnl' computes in"), e.getMessage());
            assertEquals(-1e300, SafeTensors.read(f64, Backends.reference()).tensor("w").toDoubleArray()[2]);
        }
    }

    @Test
    void integersStayIntegersAndHeadersReportTheFileType() throws IOException {
        Path i64 = write("I64", 2, le(16).putLong(7).putLong(-1L << 40));
        try (Scope s = Scope.open()) {
            Tensor t = SafeTensors.read(i64, dnnl()).tensor("w");
            assertEquals(DType.INT64, t.dtype());
            assertEquals(-1L << 40, t.toLongArray()[1]);
        }
        TensorInfo half = SafeTensors.readHeader(write("BF16", 2, le(4))).tensor("w");
        assertEquals("BF16", half.fileDtype());
        assertEquals(DType.FLOAT32, half.dtype());
        assertEquals(4, half.byteSize());
        assertEquals("F64", SafeTensors.readHeader(write("F64", 1, le(8))).tensor("w").fileDtype());
    }
}
