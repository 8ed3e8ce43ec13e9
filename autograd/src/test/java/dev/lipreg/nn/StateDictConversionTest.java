package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights of another precision load into a model: a bfloat16 checkpoint (as PyTorch writes with
 * {@code model.bfloat16()}) onto oneDNN, float64 state into a float32 model rounded to nearest, float32
 * into a float64 model exactly; integers for weights, and float64 beyond float32's range, are refused
 * with the tensor named and the model unchanged.
 */
class StateDictConversionTest {
    @TempDir
    Path dir;

    private static Linear linear(Backend b, DType dtype) {
        return new Linear(new Init(b, dtype, Init.Scheme.PYTORCH_DEFAULT, 1), 2, 2);
    }

    @Test
    void bfloat16CheckpointLoadsOntoOneDnn() throws Exception {
        // weight [1, -2.5, 2^-131 (subnormal), 3.140625], bias [0.5, -0] as bfloat16 bit patterns
        short[] w = {0x3f80, (short) 0xc020, 0x0004, 0x4049}, b = {0x3f00, (short) 0x8000};
        String header = "{\"weight\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"bias\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + h.length + 12).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        for (short s : w) file.putShort(s);
        for (short s : b) file.putShort(s);
        Path p = dir.resolve("bf16.safetensors");
        Files.write(p, file.array());
        try (Scope s = Scope.open()) {
            Linear m = linear(Backends.byName("dnnl"), DType.FLOAT32);
            Checkpoint.load(p, m);
            assertArrayEquals(new float[]{1, -2.5f, 0x1p-131f, 3.140625f}, m.weight().value().toFloatArray());
            assertEquals(0x80000000, Float.floatToRawIntBits(m.bias().value().toFloatArray()[1]));
        }
    }

    @Test
    void floatingPrecisionsConvertBothWays() {
        Backend ref = Backends.reference();
        try (Scope s = Scope.open()) {
            Linear f32 = linear(Backends.byName("dnnl"), DType.FLOAT32);
            Map<String, Tensor> state = new LinkedHashMap<>();
            state.put("weight", ref.fromArray(new double[]{1 + 0x1p-24, 0.1, -3, 1e-50}, Shape.of(2, 2)));
            state.put("bias", ref.fromArray(new double[]{1 + 3 * 0x1p-24, 2}, Shape.of(2)));
            f32.loadStateDict(state);
            assertArrayEquals(new float[]{1, 0.1f, -3, 0}, f32.weight().value().toFloatArray());
            assertArrayEquals(new float[]{0x1.000004p0f, 2}, f32.bias().value().toFloatArray());

            Linear f64 = linear(ref, DType.FLOAT64);
            f64.loadStateDict(f32.stateDict());
            assertArrayEquals(new double[]{1, 0.1f, -3, 0}, f64.weight().value().toDoubleArray());
        }
    }

    @Test
    void integersAndOutOfRangeValuesAreRefusedAndChangeNothing() {
        Backend ref = Backends.reference();
        try (Scope s = Scope.open()) {
            Linear m = linear(ref, DType.FLOAT32);
            float[] before = m.weight().value().toFloatArray();
            Map<String, Tensor> state = new LinkedHashMap<>();
            state.put("weight", ref.fromArray(new long[]{1, 2, 3, 4}, Shape.of(2, 2)));
            state.put("bias", ref.fromArray(new double[]{1e300, 0}, Shape.of(2)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state));
            assertTrue(e.getMessage().contains("weight: expected FLOAT32[2, 2], found INT64[2, 2] (integer values do not convert to "
                    + "floating-point weights)"), e.getMessage());
            assertTrue(e.getMessage().contains("bias: FLOAT64 value 1.0E300 at element 0 is beyond float32's range (±3.4028235E38)"), e.getMessage());
            assertArrayEquals(before, m.weight().value().toFloatArray());

            BatchNorm2d bn = new BatchNorm2d(new Init(ref, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 1), 1);
            Map<String, Tensor> bnState = new LinkedHashMap<>(bn.stateDict());
            bnState.put("num_batches_tracked", ref.full(Shape.scalar(), DType.FLOAT32, 3));
            e = assertThrows(IllegalArgumentException.class, () -> bn.loadStateDict(bnState));
            assertTrue(e.getMessage().contains("(floating-point values do not convert to an integer buffer)"), e.getMessage());
        }
    }
}
