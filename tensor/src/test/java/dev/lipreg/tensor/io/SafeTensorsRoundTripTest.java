package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsRoundTripTest {
    private static final Backend REF = Backends.reference();

    static final int[] F32_SPECIALS = {
            0x7fc00000, // canonical NaN
            0x7fc00001, // quiet NaN with payload
            0xffc12345, // negative NaN with payload
            0x7f800001, // signaling NaN
            0x80000000, // -0.0
            0x00000000, // +0.0
            0x00000001, // smallest subnormal
            0x807fffff, // largest negative subnormal
            0x7f800000, // +inf
            0xff800000, // -inf
            0x7f7fffff, // largest finite
            0x3eaaaaab, // 1/3
    };
    static final long[] F64_SPECIALS = {
            0x7ff8000000000000L, 0x7ff8000000000001L, 0xfff0000000000abcL, 0x7ff0000000000001L,
            0x8000000000000000L, 0x0000000000000001L, 0x800fffffffffffffL, 0x7ff0000000000000L,
            0xfff0000000000000L, 0x7fefffffffffffffL, Double.doubleToRawLongBits(Math.PI), 0L,
    };
    static final int[] I32_VALUES = {Integer.MIN_VALUE, -1, 0, 1, 42, Integer.MAX_VALUE};
    static final long[] I64_VALUES = {Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE};

    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTripsBitExactIncludingScalarsAndEmptyTensors() {
        Path file = dir.resolve("all.safetensors");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("f32", Bits.f32(REF, F32_SPECIALS, 3, 4));
            in.put("f64", Bits.f64(REF, F64_SPECIALS, 2, 2, 3));
            in.put("i32", Bits.i32(REF, I32_VALUES, 6));
            in.put("i64", Bits.i64(REF, I64_VALUES, 2, 3));
            in.put("scalar", Bits.f64(REF, new long[] {Double.doubleToRawLongBits(-0.0)}));
            in.put("empty", Bits.f32(REF, new int[0], 0));
            in.put("empty3d", Bits.i64(REF, new long[0], 2, 0, 3));
            SafeTensors.write(file, in, null);

            SafeTensorFile out = SafeTensors.read(file, REF);
            assertEquals(in.keySet(), out.tensors().keySet());
            for (Map.Entry<String, Tensor> e : in.entrySet()) {
                Tensor a = e.getValue();
                Tensor b = out.tensor(e.getKey());
                assertEquals(a.dtype(), b.dtype(), e.getKey());
                assertEquals(a.shape(), b.shape(), e.getKey());
                assertSame(REF, b.backend());
                assertSame(s, b.scope(), "tensors are created in the current scope");
                if (a.dtype().byteSize() == 4) assertArrayEquals(Bits.intBits(a), Bits.intBits(b), e.getKey());
                else assertArrayEquals(Bits.longBits(a), Bits.longBits(b), e.getKey());
            }
            assertEquals(Shape.scalar(), out.tensor("scalar").shape());
            assertEquals(Map.of(), out.metadata());
        }
    }

    @Test
    void tensorsComeBackInFileOrderAlignmentThenName() {
        Path file = dir.resolve("order.safetensors");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("b32", Bits.i32(REF, new int[] {1}, 1));
            in.put("a32", Bits.i32(REF, new int[] {2}, 1));
            in.put("zf", Tensor.of(REF, new float[] {1}, 1));
            in.put("af", Tensor.of(REF, new float[] {2}, 1));
            in.put("d", Tensor.of(REF, new double[] {3}, 1));
            in.put("l", Bits.i64(REF, new long[] {4}, 1));
            SafeTensors.write(file, in, Map.of());

            List<String> expected = List.of("l", "d", "af", "zf", "a32", "b32");
            assertEquals(expected, new ArrayList<>(SafeTensors.read(file, REF).tensors().keySet()));
            SafeTensorHeader header = SafeTensors.readHeader(file);
            assertEquals(expected, header.names());
            long offset = 0;
            for (TensorInfo t : header.tensors()) {
                assertEquals(offset, t.begin(), t.name());
                offset = t.end();
            }
        }
    }

    @Test
    void metadataRoundTripsIncludingCharactersThatNeedEscaping() {
        Path file = dir.resolve("meta.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("quote\"back\\slash", "line\nbreak\ttab\u0001ctl\u007f");
        meta.put("unicode-ü", "😀 ≠ ∞");
        meta.put("empty", "");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("wé😀ight", Tensor.of(REF, new float[] {1, 2}, 2)), meta);
            SafeTensorFile out = SafeTensors.read(file, REF);
            assertEquals(meta, out.metadata());
            assertArrayEquals(new float[] {1, 2}, out.tensor("wé😀ight").toFloatArray());
            assertEquals(meta, SafeTensors.readHeader(file).metadata());
        }
    }

    @Test
    void outputIsDeterministicWhateverTheInputMapOrder() throws Exception {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> forward = new LinkedHashMap<>();
            forward.put("x", Tensor.of(REF, new float[] {1, 2, 3}, 3));
            forward.put("y", Tensor.of(REF, new double[] {4}, 1));
            forward.put("z", Bits.i64(REF, new long[] {5, 6}, 2));
            Map<String, Tensor> backward = new LinkedHashMap<>();
            List<String> keys = new ArrayList<>(forward.keySet());
            Collections.reverse(keys);
            keys.forEach(k -> backward.put(k, forward.get(k)));
            Map<String, String> m1 = new LinkedHashMap<>();
            m1.put("a", "1");
            m1.put("b", "2");
            Map<String, String> m2 = new LinkedHashMap<>();
            m2.put("b", "2");
            m2.put("a", "1");

            Path f1 = dir.resolve("one.safetensors");
            Path f2 = dir.resolve("two.safetensors");
            SafeTensors.write(f1, forward, m1);
            SafeTensors.write(f2, backward, m2);
            byte[] first = Files.readAllBytes(f1);
            assertArrayEquals(first, Files.readAllBytes(f2));
            SafeTensors.write(f1, forward, m1);
            assertArrayEquals(first, Files.readAllBytes(f1));
        }
    }

    @Test
    void readHeaderDescribesTensorsWithoutLoadingThem() throws Exception {
        Path file = dir.resolve("header.safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("w", Tensor.zeros(REF, DType.FLOAT32, 2, 3),
                    "labels", Bits.i64(REF, new long[] {1, 2, 3}, 3)), Map.of("epoch", "7"));
            long before = s.allocatedBytes();
            SafeTensorHeader h = SafeTensors.readHeader(file);
            assertEquals(before, s.allocatedBytes(), "readHeader allocates no tensor memory");
            assertEquals(List.of("labels", "w"), h.names());
            assertEquals(DType.INT64, h.tensor("labels").dtype());
            assertEquals(Shape.of(2, 3), h.tensor("w").shape());
            assertEquals(24, h.tensor("labels").byteSize());
            assertEquals(24 + 24, h.dataLength());
            assertEquals(Files.size(file), h.dataStart() + h.dataLength());
            assertEquals(0, (h.dataStart() - 8) % 8, "header padded to a multiple of 8");
            assertEquals(Map.of("epoch", "7"), h.metadata());
        }
    }

    @Test
    void tensorsOnAnotherBackendAreWrittenThroughToHostAndReadOntoIt() {
        Backend device = FakeDeviceBackend.create(EnumSet.allOf(DType.class), false);
        Path file = dir.resolve("device.safetensors");
        try (Scope s = Scope.open()) {
            Tensor onDevice = Bits.f32(device, F32_SPECIALS, 12);
            SafeTensors.write(file, Map.of("w", onDevice), null);
            Tensor back = SafeTensors.read(file, REF).tensor("w");
            assertArrayEquals(F32_SPECIALS, Bits.intBits(back));
            Tensor again = SafeTensors.read(file, device).tensor("w");
            assertSame(device, again.backend());
            assertArrayEquals(F32_SPECIALS, Bits.intBits(again));
        }
    }

    @Test
    void aBackendThatLacksADtypeIsRejectedBeforeAnythingIsAllocated() {
        Backend floatsOnly = FakeDeviceBackend.create(EnumSet.of(DType.FLOAT32), false);
        Path file = dir.resolve("i64.safetensors");
        try (Scope s = Scope.open()) {
            // (a float64 tensor would be rounded to float32 for this backend, see SafeTensorsConversionTest; integers have no such fallback)
            SafeTensors.write(file, Map.of("f", Tensor.of(REF, new float[] {1}, 1), "d", REF.fromArray(new long[] {1}, dev.lipreg.tensor.Shape.of(1))), null);
            long before = s.allocatedBytes();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(file, floatsOnly));
            assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("INT64")
                    && e.getMessage().contains("fake-device"), e.getMessage());
            assertEquals(before, s.allocatedBytes());
        }
    }

    @Test
    void readingNeedsAnOpenScope() {
        Path file = dir.resolve("scope.safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("w", Tensor.of(REF, new float[] {1}, 1)), null);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SafeTensors.read(file, REF));
        assertTrue(e.getMessage().contains("Scope"), e.getMessage());
    }

    @Test
    void badNamesAreRejected() {
        Path file = dir.resolve("names.safetensors");
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(REF, new float[] {1}, 1);
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("", t), null));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("__metadata__", t), null));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("bad\uD800", t), null));
            Map<String, Tensor> withNull = new LinkedHashMap<>();
            withNull.put("w", null);
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, withNull, null));
            Map<String, String> nullValue = new LinkedHashMap<>();
            nullValue.put("k", null);
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("w", t), nullValue));
            assertTrue(Files.notExists(file));
        }
    }
}
