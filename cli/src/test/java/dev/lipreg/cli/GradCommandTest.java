package dev.lipreg.cli;

import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradCommandTest {
    static final int N = 5;
    final Backend ref = Backends.reference();
    @TempDir
    Path tmp;
    Path spec, weights, batch, out;

    @BeforeEach
    void setUp() throws IOException {
        spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
        weights = tmp.resolve("w.safetensors");
        batch = tmp.resolve("batch.safetensors");
        out = tmp.resolve("out/grads.safetensors");
        try (Scope s = Scope.open()) {
            Module m = ModelSpec.read(spec).build(new Init(ref, 7));
            Checkpoint.save(weights, m, Map.of());
            writeBatch(new int[]{N, 1, 8, 8}, new long[]{0, 3, 9, 3, 5});
        }
    }

    void writeBatch(int[] xShape, long[] y) {
        try (Scope s = Scope.open()) {
            SplittableRandom rng = new SplittableRandom(3);
            float[] x = new float[Math.toIntExact(Shape.of(xShape).size())];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            SafeTensors.write(batch, Map.of("x", ref.fromArray(x, Shape.of(xShape)), "y", Tensor.ofLabels(ref, y)));
        }
    }

    CliRun grad(String... penalties) {
        String[] base = {"grad", "--model", spec.toString(), "--weights", weights.toString(), "--input", batch.toString(), "--backend",
                "reference", "--out", out.toString()};
        return CliRun.of(TrainCommandTest.concat(base, penalties));
    }

    @Test
    void writesEveryGradientAndConsistentValues() {
        CliRun r = grad("--lip", "0.1", "--tv", "0.01");
        assertEquals(0, r.code(), r.dump());
        try (Scope s = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(out, ref);
            assertEquals(Shape.of(N, 10), f.tensor("logits").shape());
            assertEquals(Shape.scalar(), f.tensor("loss").shape());
            assertEquals(Shape.of(N, 1, 8, 8), f.tensor("input_grad").shape());
            assertEquals(Shape.scalar(), f.tensor("penalty").shape());
            for (String p : new String[]{"0.weight", "0.bias", "4.weight", "4.bias"}) assertTrue(f.tensors().containsKey("grad." + p), p);
            assertEquals(Shape.of(4, 1, 3, 3), f.tensor("grad.0.weight").shape());

            // loss = mean cross-entropy of the logits
            double[] z = f.tensor("logits").toDoubleArray();
            long[] y = {0, 3, 9, 3, 5};
            double ce = 0;
            for (int i = 0; i < N; i++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k < 10; k++) max = Math.max(max, z[i * 10 + k]);
                for (int k = 0; k < 10; k++) sum += Math.exp(z[i * 10 + k] - max);
                ce += max + Math.log(sum) - z[i * 10 + (int) y[i]];
            }
            assertEquals(ce / N, f.tensor("loss").item(), 1e-5);

            // penalty = 0.1·max_i ‖g_i‖₂ + 0.01·mean_i ‖g_i‖₂ (TV against l2 attacks uses the l2 norm)
            double[] g = f.tensor("input_grad").toDoubleArray();
            double max = 0, mean = 0;
            for (int i = 0; i < N; i++) {
                double sq = 0;
                for (int j = 0; j < 64; j++) sq += g[i * 64 + j] * g[i * 64 + j];
                max = Math.max(max, Math.sqrt(sq));
                mean += Math.sqrt(sq) / N;
            }
            assertEquals(0.1 * max + 0.01 * mean, f.tensor("penalty").item(), 1e-6);
        }
    }

    @Test
    void penaltiesChangeTheWeightGradients() {
        assertEquals(0, grad().code());
        float[] plain = read("grad.0.weight");
        assertEquals(0, grad("--lip", "1").code());
        float[] penalized = read("grad.0.weight");
        assertFalse(java.util.Arrays.equals(plain, penalized));
        assertEquals(0, grad("--lip", "1", "--fd", "0.001").code());
        float[] fd = read("grad.0.weight");
        for (int i = 0; i < fd.length; i++) assertEquals(penalized[i], fd[i], 0.05 * Math.abs(penalized[i]) + 1e-3, "finite differences ≈ exact");
    }

    float[] read(String name) {
        try (Scope s = Scope.open()) {
            return SafeTensors.read(out, ref).tensor(name).toFloatArray();
        }
    }

    @Test
    void wrongShapeBatch() {
        writeBatch(new int[]{N, 1, 7, 7}, new long[]{0, 1, 2, 3, 4});
        expectBadInput(grad(), "--input: expected x as float32 [N,1,8,8] (the model's input), got x FLOAT32[5, 1, 7, 7]");
    }

    @Test
    void nonFinitePixels() {
        try (Scope s = Scope.open()) {
            float[] x = new float[N * 64];
            x[70] = Float.NaN;
            SafeTensors.write(batch, Map.of("x", ref.fromArray(x, Shape.of(N, 1, 8, 8)), "y", Tensor.ofLabels(ref, new long[]{0, 1, 2, 3, 4})));
        }
        expectBadInput(grad(), "--input: expected finite pixels in x, got x[70] = NaN");
    }

    @Test
    void labelsOfTheWrongCountOrRange() {
        writeBatch(new int[]{N, 1, 8, 8}, new long[]{0, 1, 2});
        expectBadInput(grad(), "--input: expected y as int64 [5] with classes in [0, 10), got y INT64[3]");
        writeBatch(new int[]{N, 1, 8, 8}, new long[]{0, 1, 2, 3, 10});
        expectBadInput(grad(), "got y[4] = 10");
    }

    @Test
    void missingAndCorruptFiles() throws IOException {
        Path good = weights;
        weights = tmp.resolve("missing.safetensors");
        expectBadInput(grad(), "--weights: expected an existing file, got " + weights + " (no such file)");
        weights = good;
        Files.write(weights, "not a safetensors file at all".getBytes());
        expectBadInput(grad(), "bad safetensors file " + weights);
    }

    @Test
    void weightsOfAnotherModel() throws IOException {
        Files.writeString(spec, Files.readString(spec).replace("\"out\": 4", "\"out\": 5").replace("\"in\": 64", "\"in\": 80"));
        expectBadInput(grad(), weights + ": state does not fit");
    }

    void expectBadInput(CliRun r, String message) {
        assertEquals(2, r.code(), r.dump());
        assertEquals(1, r.err().lines().count(), r.dump());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.dump());
        assertFalse(Files.exists(out), "no output written");
    }

    @Test
    void infoShowsTheBackend() {
        CliRun r = CliRun.of("info", "--backend", "reference");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("Java:") && r.out().contains("oneDNN:") && r.out().contains("CUDA:"), r.dump());
        assertTrue(r.out().contains("Backend:       reference"), r.dump());
        assertArrayEquals(new String[0], new String[0]);
    }
}
