package dev.lipreg.nn;

import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.CheckpointFormatException;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints: exact round trips, and every kind of mismatch rejected before the model is touched. */
class CheckpointTest {
    private static final Backend REF = Backends.reference();
    private static final ModelSpec SPEC = Presets.resnetSmall(new int[]{3, 8, 8}, 5);

    @TempDir
    Path dir;
    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** A model whose running statistics and batch counters are no longer at their initial values. */
    private static Sequential trained(long seed) {
        Sequential m = SPEC.build(new Init(REF, DType.FLOAT32, Init.Scheme.KAIMING_NORMAL, seed));
        float[] x = new float[4 * 3 * 8 * 8];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian(0.5, 1);
            m.forward(Variable.constant(REF.fromArray(x, Shape.of(4, 3, 8, 8))));
        }
        return m;
    }

    /** The raw bits of every state tensor, by name. */
    private static Map<String, long[]> bits(Module m) {
        Map<String, long[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> out.put(k, rawBits(t)));
        return out;
    }

    private static long[] rawBits(Tensor t) {
        return switch (t.dtype()) {
            case FLOAT32 -> {
                float[] f = t.toFloatArray();
                long[] b = new long[f.length];
                for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
                yield b;
            }
            case FLOAT64 -> {
                double[] d = t.toDoubleArray();
                long[] b = new long[d.length];
                for (int i = 0; i < d.length; i++) b[i] = Double.doubleToRawLongBits(d[i]);
                yield b;
            }
            case INT32, INT64 -> t.toLongArray();
        };
    }

    private static void assertSameBits(Map<String, long[]> expected, Map<String, long[]> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    @Test
    void saveThenLoadIntoAFreshModelIsBitExact() {
        Sequential source = trained(1);
        Path file = dir.resolve("model.safetensors");
        Checkpoint.save(file, source, Map.of("epoch", "3", "preset", SPEC.name()));

        Sequential target = SPEC.build(new Init(REF, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 2));
        Map<String, long[]> before = bits(target);
        Map<String, long[]> want = bits(source);
        assertNotEquals(before.keySet().stream().filter(k -> !java.util.Arrays.equals(before.get(k), want.get(k))).count(), 0L);
        assertEquals(3L, source.stateDict().get("1.num_batches_tracked").toLongArray()[0]);

        Map<String, String> meta = Checkpoint.load(file, target);
        assertEquals(Map.of("epoch", "3", "preset", SPEC.name()), meta);
        assertSameBits(want, bits(target));
        // buffers included: running statistics moved away from 0/1, and the batch counter
        assertTrue(target.stateDict().keySet().containsAll(List.of("1.running_mean", "1.running_var", "1.num_batches_tracked",
                "3.bn1.running_mean", "4.shortcut.1.num_batches_tracked")), target.stateDict().keySet().toString());
        assertEquals(3L, target.stateDict().get("4.shortcut.1.num_batches_tracked").toLongArray()[0]);

        // the loaded model computes exactly what the saved one does (evaluation mode: running statistics)
        source.eval();
        target.eval();
        float[] xs = new float[2 * 3 * 8 * 8];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rng.nextDouble();
        Tensor x = REF.fromArray(xs, Shape.of(2, 3, 8, 8));
        assertArrayEquals(source.forward(Variable.constant(x)).value().toFloatArray(),
                target.forward(Variable.constant(x)).value().toFloatArray());
    }

    private Sequential mlp(int width, long seed) {
        return Sequential.of(new Linear(new Init(REF, seed), 6, width), Activation.relu(), new Linear(new Init(REF, seed + 1), width, 3));
    }

    @Test
    void shapeMismatchIsRejectedAndLeavesTheModelUnchanged() {
        Path file = dir.resolve("wide.safetensors");
        Checkpoint.save(file, mlp(8, 1), Map.of());
        Sequential target = mlp(5, 2);
        Map<String, long[]> before = bits(target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("0.weight: expected FLOAT32[5, 6], found FLOAT32[8, 6]"), e.getMessage());
        assertTrue(e.getMessage().contains("2.weight"), e.getMessage());
        assertSameBits(before, bits(target));
    }

    @Test
    void missingKeyIsRejectedAndLeavesTheModelUnchanged() {
        Sequential source = mlp(5, 1);
        Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
        state.remove("2.bias");
        Path file = dir.resolve("missing.safetensors");
        SafeTensors.write(file, state);
        Sequential target = mlp(5, 2);
        Map<String, long[]> before = bits(target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains("missing 2.bias"), e.getMessage());
        assertSameBits(before, bits(target));
    }

    @Test
    void unexpectedKeyIsRejectedAndLeavesTheModelUnchanged() {
        Sequential source = mlp(5, 1);
        Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
        state.put("3.weight", REF.full(Shape.of(2, 2), DType.FLOAT32, 1));
        Path file = dir.resolve("extra.safetensors");
        SafeTensors.write(file, state);
        Sequential target = mlp(5, 2);
        Map<String, long[]> before = bits(target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains("unexpected 3.weight"), e.getMessage());
        assertSameBits(before, bits(target));
    }

    @Test
    void integerWeightsAreRejectedAndLeaveTheModelUnchanged() {
        // (float64 weights convert to a float32 model: see StateDictConversionTest)
        Path file = dir.resolve("i64.safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("0.weight", REF.fromArray(new long[30], Shape.of(5, 6)),
                    "0.bias", REF.fromArray(new float[5], Shape.of(5))));
        }
        Sequential target = Sequential.of(new Linear(new Init(REF, 3), 6, 5));
        Map<String, long[]> before = bits(target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains("0.weight: expected FLOAT32[5, 6], found INT64[5, 6] (integer values do not convert"), e.getMessage());
        assertSameBits(before, bits(target));
    }

    @Test
    void truncatedFileIsRejectedAndLeavesTheModelUnchanged() throws IOException {
        Path file = dir.resolve("cut.safetensors");
        Checkpoint.save(file, trained(4), Map.of());
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size - 100);
        }
        Sequential target = trained(5);
        Map<String, long[]> before = bits(target);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(file, target));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        assertSameBits(before, bits(target));

        // cut inside the header too
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(20);
        }
        CheckpointFormatException e2 = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(file, target));
        assertTrue(e2.getMessage().contains(file.toString()), e2.getMessage());
        assertSameBits(before, bits(target));
    }

    @Test
    void saveIsAtomicOverAnExistingFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Sequential a = mlp(5, 1);
        Checkpoint.save(file, a, Map.of("v", "1"));
        byte[] first = Files.readAllBytes(file);
        Checkpoint.save(file, a, Map.of("v", "1"));
        assertArrayEquals(first, Files.readAllBytes(file), "same model, same bytes");
        Checkpoint.save(file, mlp(5, 9), Map.of("v", "2"));
        Sequential b = mlp(5, 3);
        assertEquals(Map.of("v", "2"), Checkpoint.load(file, b));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temp files left behind");
        }
    }
}
