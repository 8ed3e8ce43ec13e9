package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The paper's training objective through training-mode batch norm (batch statistics),
 * LipReg against PyTorch 1.13 in float64: the same objective as {@link PyTorchCnnOracleTest}
 * (logits, cross-entropy, input gradient, penalty, and the gradient of CE + penalty with
 * respect to every parameter by double backprop) on conv → batch norm → ReLU twice, then a
 * linear layer. Batch norm's recorded backward is one fused op with a fused second-order
 * rule, so this pins that rule to PyTorch's autograd; γ and β are random, not 1 and 0.
 * 16 channels, so that on oneDNN the activations stay in its channel-blocked layout and
 * batch norm runs in it (its forward, backward and double backward in that layout).
 * Measured: reference float64 ≤ 1.7e-15, dnnl float32 ≤ 4.1e-6 (max error / max magnitude).
 */
class PyTorchBatchNormOracleTest {
    private static final int N = 6, C = 3, SIZE = 8, WIDTH = 16, CLASSES = 4;
    private static final long[] LABELS = {0, 1, 2, 3, 1, 2};

    private static final String SCRIPT = """
            import torch.nn as nn
            import torch.nn.functional as F
            model_path, batch_path, out_path = sys.argv[1:4]
            c, size, width, classes = map(int, sys.argv[4:8])
            model = nn.Sequential(nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.Flatten(), nn.Linear(width * size * size, classes))
            model.load_state_dict(load(model_path), strict=True)
            model = model.double().train()
            batch = load(batch_path)
            """ + PyTorchCnnOracleTest.OBJECTIVE_PY;

    @TempDir
    Path dir;

    /** Convolutions without bias, as before every batch norm of a ResNet (a bias there has gradient 0: roundoff only). */
    static Sequential model(Init init) {
        Conv2dSpec same = Conv2dSpec.of(1, 1);
        return Sequential.of(new Conv2d(init, C, WIDTH, 3, 3, same, false), new BatchNorm2d(init, WIDTH), Activation.relu(),
                new Conv2d(init, WIDTH, WIDTH, 3, 3, same, false), new BatchNorm2d(init, WIDTH), Activation.relu(),
                new Flatten(), new Linear(init, WIDTH * SIZE * SIZE, CLASSES));
    }

    @Test
    void penaltyGradientsThroughBatchNormMatchPyTorch() throws Exception {
        TorchOracle.assumeAvailable();
        Backend ref = Backends.reference();
        try (Scope scope = Scope.open()) {
            Sequential model32 = model(new Init(ref, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 2025));
            SplittableRandom rng = new SplittableRandom(9);
            for (String name : new String[]{"1.weight", "1.bias", "4.weight", "4.bias"}) {
                Parameter p = model32.parameters().get(name);
                float[] v = new float[(int) p.value().size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) (name.endsWith("weight") ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5);
                p.assign(ref.fromArray(v, p.shape()));
            }
            Path modelFile = dir.resolve("model.safetensors");
            Checkpoint.save(modelFile, model32, Map.of());
            float[] x = new float[N * C * SIZE * SIZE];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 0.5);
            SafeTensors.write(dir.resolve("batch.safetensors"), Map.of(
                    "x", ref.fromArray(x, Shape.of(N, C, SIZE, SIZE)), "y", ref.fromArray(LABELS, Shape.of(N))));
            TorchOracle.run(dir, "bn_oracle.py", SCRIPT, "model.safetensors", "batch.safetensors", "out.safetensors",
                    Integer.toString(C), Integer.toString(SIZE), Integer.toString(WIDTH), Integer.toString(CLASSES));
            SafeTensorFile expected = SafeTensors.read(dir.resolve("out.safetensors"), ref);
            assertEquals(4 + model32.parameters().size(), expected.tensors().size());

            PyTorchCnnOracleTest.checkBackends("batch-norm", PyTorchBatchNormOracleTest::model, model32, modelFile, x,
                    Shape.of(N, C, SIZE, SIZE), LABELS, expected);
        }
    }
}
