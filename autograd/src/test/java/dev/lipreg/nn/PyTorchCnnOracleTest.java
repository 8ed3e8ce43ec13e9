package dev.lipreg.nn;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.bindings.Availability;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.dnnl.DnnlBackend;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's training objective on the fashion-cnn preset (1x12x12 images, 4 classes),
 * LipReg against PyTorch 1.13 in float64: logits, mean cross-entropy, the input gradient
 * of the summed cross-entropy, the penalty P = 0.1·max_i‖g_i‖₂ + 0.01·mean_i‖g_i‖₁ and the
 * gradient of CE_mean + P with respect to every parameter (double backprop).
 *
 * <p>The batch holds image-like examples (exact-zero background, flat bright blocks: exact
 * ties in every max-pool window there) and pure noise; some conv biases are set to exactly
 * 0 so pre-activations sit exactly at ReLU's kink on the background. The results then depend
 * on PyTorch's conventions (ReLU'(0) = 0, max-pool gradient to the first maximum of a
 * window), which this test pins down: in PyTorch on this batch, taking ReLU'(0) = 1 instead
 * changes the input gradient by 40% of its largest entry, and routing pool gradients to the
 * last maximum by 50% (parameter gradients by 1e-4 to 1e-2), far beyond the tolerances. The
 * reference backend runs in float64, the oneDNN backend (when it loads) in float32.
 * Measured: reference float64 ≤ 1.5e-15, dnnl float32 ≤ 4.3e-6 (max error / max magnitude).
 */
class PyTorchCnnOracleTest {
    private static final int IMAGES = 4, NOISE = 2, N = IMAGES + NOISE, SIZE = 12, CLASSES = 4;
    private static final long[] LABELS = {0, 1, 2, 3, 1, 2};

    /**
     * The objective {@link #lipreg} computes, in PyTorch, for a script that has defined
     * {@code model}, {@code batch} and {@code out_path}: logits, mean cross-entropy, the
     * input gradient, the penalty and every parameter's gradient of CE + penalty.
     */
    static final String OBJECTIVE_PY = """
            x = batch['x'].double().requires_grad_(True)
            y = batch['y']
            logits = model(x)
            ce = F.cross_entropy(logits, y, reduction='none')
            gx, = torch.autograd.grad(ce.sum(), x, create_graph=True)
            gf = gx.flatten(1)
            penalty = 0.1 * gf.norm(dim=1).max() + 0.01 * gf.abs().sum(dim=1).mean()
            total = ce.mean() + penalty
            named = list(model.named_parameters())
            grads = torch.autograd.grad(total, [p for _, p in named])
            out = {'logits': logits, 'loss': ce.mean(), 'input_grad': gx, 'penalty': penalty}
            for (n, _), g in zip(named, grads):
                out['grad.' + n] = g
            save(out_path, out)
            """;

    private static final String SCRIPT = """
            import torch.nn as nn
            import torch.nn.functional as F
            model_path, batch_path, out_path = sys.argv[1:4]
            c, h, w, classes = map(int, sys.argv[4:8])
            flat = 64 * (h // 4) * (w // 4)
            model = nn.Sequential(nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Linear(128, classes))
            model.load_state_dict(load(model_path), strict=True)
            model = model.double()
            batch = load(batch_path)
            """ + OBJECTIVE_PY;

    @TempDir
    Path dir;

    /** The objective's values and gradients as LipReg computes them, keyed like the script's output. */
    static Map<String, Tensor> lipreg(Module model, Tensor x, Tensor y) {
        Variable input = Variable.leaf(x);
        Variable logits = model.forward(input);
        Variable ce = Loss.crossEntropy().perExample(logits, y);
        Variable g = Autograd.grad(Ops.sum(ce), input, true);
        Variable flat = Ops.flatten(g);
        Variable penalty = Ops.add(Ops.scale(Ops.max(Ops.normL2(flat, false, 1), false), 0.1),
                Ops.scale(Ops.mean(Ops.normL1(flat, false, 1)), 0.01));
        Variable loss = Ops.mean(ce);
        Variable total = Ops.add(loss, penalty);
        List<String> names = List.copyOf(model.parameters().keySet());
        List<Variable> grads = Autograd.grad(List.of(total), List.copyOf(model.parameters().values()), null, false);
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("logits", logits.value());
        out.put("loss", loss.value());
        out.put("input_grad", g.value());
        out.put("penalty", penalty.value());
        for (int i = 0; i < names.size(); i++) out.put("grad." + names.get(i), grads.get(i).value());
        return out;
    }

    /** Image-like examples (zero background, flat blocks, a little texture in k/255 steps), then uniform noise. */
    static float[] batch() {
        float[] x = new float[N * SIZE * SIZE];
        for (int k = 0; k < IMAGES; k++) {
            for (int r = 0; r < SIZE; r++) {
                for (int c = 0; c < SIZE; c++) {
                    float v = 0;
                    if (r >= 2 + k % 2 && r < 10 && c >= 3 && c < 10 - k % 3) v = 1f;
                    if (v > 0 && (r * 7 + c * 3 + k) % 5 == 0) v = ((r * c * 13 + k * 31) % 256) / 255f;
                    x[(k * SIZE + r) * SIZE + c] = v;
                }
            }
        }
        SplittableRandom rng = new SplittableRandom(77);
        for (int i = IMAGES * SIZE * SIZE; i < x.length; i++) x[i] = (float) rng.nextDouble();
        return x;
    }

    @Test
    void penaltyGradientsMatchPyTorch() throws Exception {
        TorchOracle.assumeAvailable();
        ModelSpec spec = Presets.fashionCnn(new int[]{1, SIZE, SIZE}, CLASSES);
        Backend ref = Backends.reference();
        try (Scope scope = Scope.open()) {
            // float32 parameters, so every backend and PyTorch start from exactly the same values
            Sequential model32 = spec.build(new Init(ref, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 2024));
            zeroSomeBiases(model32, ref);
            Path modelFile = dir.resolve("model.safetensors");
            Checkpoint.save(modelFile, model32, Map.of("preset", spec.name()));
            float[] x = batch();
            SafeTensors.write(dir.resolve("batch.safetensors"), Map.of(
                    "x", ref.fromArray(x, Shape.of(N, 1, SIZE, SIZE)), "y", ref.fromArray(LABELS, Shape.of(N))));
            TorchOracle.run(dir, "cnn_oracle.py", SCRIPT, "model.safetensors", "batch.safetensors", "out.safetensors",
                    "1", Integer.toString(SIZE), Integer.toString(SIZE), Integer.toString(CLASSES));
            SafeTensorFile expected = SafeTensors.read(dir.resolve("out.safetensors"), ref);
            assertEquals(4 + model32.parameters().size(), expected.tensors().size());

            checkBackends("fashion-cnn", spec::build, model32, modelFile, x, Shape.of(N, 1, SIZE, SIZE), LABELS, expected);
        }
    }

    /** Exact-zero biases on some channels: those pre-activations are exactly 0 on the zero background. */
    private static void zeroSomeBiases(Sequential model, Backend ref) {
        for (String name : List.of("0.bias", "3.bias", "7.bias")) {
            Parameter b = model.parameters().get(name);
            float[] v = b.value().toFloatArray();
            for (int i = 0; i < v.length; i += 3) v[i] = 0;
            b.assign(ref.fromArray(v, b.shape()));
        }
    }

    /**
     * The objective of {@code model32}'s weights on one batch against PyTorch's float64
     * output: on the reference backend in float64 (the weights widened; scaled error
     * ≤ 1e-9) and, when oneDNN loads, on it in float32 from {@code modelFile} (≤ 1e-4).
     *
     * @param what  the model, for the messages
     * @param build makes the model's layers with an initializer
     */
    static void checkBackends(String what, Function<Init, Sequential> build, Sequential model32, Path modelFile, float[] x, Shape xShape,
                              long[] labels, SafeTensorFile expected) throws Exception {
        Backend ref = Backends.reference();
        Sequential model64 = build.apply(new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 1));
        Map<String, Tensor> widened = new LinkedHashMap<>();
        model32.stateDict().forEach((k, v) -> widened.put(k, v.dtype() == DType.FLOAT32 ? ref.cast(v, DType.FLOAT64) : v));
        model64.loadStateDict(widened);
        Map<String, Double> err64 = compare(lipreg(model64, ref.fromArray(toDouble(x), xShape), ref.fromArray(labels, Shape.of(labels.length))),
                expected);
        System.err.println(what + " objective, reference float64 vs PyTorch float64 (max error / max magnitude):" + TorchOracle.describe(err64));
        err64.forEach((k, e) -> assertTrue(e <= 1e-9, "reference float64 " + k + ": scaled error " + e));

        Availability dnnl = DnnlBackend.availability();
        if (!dnnl.available()) {
            System.err.println("skipping the oneDNN half of the " + what + " oracle test: " + dnnl.detail());
            return;
        }
        Backend d = Backends.byName("dnnl");
        Sequential modelDnnl = build.apply(new Init(d, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 5));
        Checkpoint.load(modelFile, modelDnnl);
        Map<String, Double> err32 = compare(lipreg(modelDnnl, d.fromArray(x, xShape), d.fromArray(labels, Shape.of(labels.length))), expected);
        System.err.println(what + " objective, dnnl float32 vs PyTorch float64 (max error / max magnitude):" + TorchOracle.describe(err32));
        err32.forEach((k, e) -> assertTrue(e <= 1e-4, "dnnl float32 " + k + ": scaled error " + e));
    }

    /** Per expected tensor, LipReg's max error over the expected tensor's max magnitude. */
    static Map<String, Double> compare(Map<String, Tensor> actual, SafeTensorFile expected) {
        Map<String, Double> errors = new LinkedHashMap<>();
        for (var e : expected.tensors().entrySet()) {
            Tensor a = actual.get(e.getKey());
            assertTrue(a != null, "LipReg computed no " + e.getKey());
            errors.put(e.getKey(), TorchOracle.scaledError(a.reshape(e.getValue().shape()), e.getValue()));
        }
        return errors;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
