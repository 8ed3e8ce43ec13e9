package dev.lipreg.onnx;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every preset and every spec layer exported to ONNX: ONNX Runtime gives LipReg's logits
 * (rel 1e-4), the file re-imports to the same function, initializers carry the state_dict
 * names, and Debian's python3-onnx checker accepts each file (when installed).
 */
class ExportTest {
    static final double TOL = 1e-4;
    @TempDir
    static Path dir;
    static final List<Path> written = new ArrayList<>();

    /**
     * Per-channel normalization, conv (dilation, groups, no bias), every activation, both pools with padding, batch norm, dropout,
     * residual and bottleneck blocks, and a per-feature normalization of a flat tensor.
     */
    static ModelSpec everyLayer() {
        return new ModelSpec("every-layer", new int[]{3, 12, 12}, 5, List.of(
                LayerSpec.of("normalize", "mean", new double[]{0.4914, 0.4822, 0.4465}, "std", new double[]{0.247, 0.243, 0.261}),
                LayerSpec.of("conv2d", "in", 3, "out", 8, "kernel", 3, "padding", 2, "dilation", 2),
                LayerSpec.of("batchnorm2d", "channels", 8, "eps", 1e-3),
                LayerSpec.of("leaky_relu", "slope", 0.2),
                LayerSpec.of("maxpool2d", "kernel", 3, "stride", 1, "padding", 1),
                LayerSpec.of("conv2d", "in", 8, "out", 8, "kernel", 3, "padding", 1, "groups", 4, "bias", 0),
                LayerSpec.of("elu", "alpha", 0.7),
                LayerSpec.of("avgpool2d", "kernel", 3, "stride", 2, "padding", 1, "count_include_pad", 0),
                LayerSpec.of("residual", "in", 8, "out", 16, "stride", 2, "groups", 2),
                LayerSpec.of("bottleneck", "in", 16, "out", 16, "cardinality", 2, "width", 4),
                LayerSpec.of("softplus"),
                LayerSpec.of("avgpool2d", "kernel", 2, "padding", 1),
                LayerSpec.of("dropout", "p", 0.3),
                LayerSpec.of("tanh"),
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", 16 * 2 * 2, "out", 12, "bias", 0),
                LayerSpec.of("normalize", "mean", new double[12], "std", new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0.5}),
                LayerSpec.of("sigmoid"),
                LayerSpec.of("relu"),
                LayerSpec.of("linear", "in", 12, "out", 5)));
    }

    static ModelSpec spec(String name) {
        return switch (name) {
            case "every-layer" -> everyLayer();
            case "resnext34-2x32" -> Presets.spec(name, new int[]{3, 8, 8}, 10);
            default -> Presets.spec(name, new int[]{1, 28, 28}, 10);
        };
    }

    /** Non-trivial running statistics, so the exported batch norms are checked. */
    static void randomizeStatistics(Module m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> state = new LinkedHashMap<>(m.stateDict());
        state.replaceAll((k, t) -> {
            if (!k.endsWith("running_mean") && !k.endsWith("running_var")) return t;
            float[] v = new float[(int) t.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (k.endsWith("mean") ? 0.3 * rng.nextGaussian() : 0.5 + rng.nextDouble());
            return t.backend().fromArray(v, t.shape());
        });
        m.loadStateDict(state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-cnn", "mlp", "resnet-small", "resnext34-2x32", "every-layer"})
    void onnxRuntimeGivesLipRegsLogits(String name) throws Exception {
        Backend backend = Backends.configured();
        ModelSpec spec = spec(name);
        try (Scope scope = Scope.open()) {
            Module model = spec.build(new Init(backend, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 11));
            randomizeStatistics(model, 3);
            model.eval();
            Path file = dir.resolve(name + ".onnx");
            OnnxExport.write(model, spec.input(), file);
            written.add(file);

            int n = 3;
            int[] dims = new int[spec.input().length + 1];
            dims[0] = n;
            System.arraycopy(spec.input(), 0, dims, 1, spec.input().length);
            float[] x = new float[(int) Shape.of(dims).size()];
            SplittableRandom rng = new SplittableRandom(9);
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            Variable input = Variable.constant(backend.fromArray(x, Shape.of(dims)));
            float[] ours;
            float[] reimported;
            try (GradMode.Restore off = GradMode.disabled()) {
                ours = model.forward(input).value().toFloatArray();
                reimported = OnnxModel.load(file, backend).forward(input).value().toFloatArray();
            }
            float[] ort = Oracles.onnxRuntime(file, x, java.util.Arrays.stream(dims).asLongStream().toArray());
            double ortErr = Oracles.scaledError(ours, ort), backErr = Oracles.scaledError(reimported, ours);
            System.err.printf("%s: %d parameters, %d bytes; ORT vs LipReg %.2e, re-import vs LipReg %.2e%n",
                    name, model.parameterCount(), Files.size(file), ortErr, backErr);
            assertTrue(ortErr <= TOL, name + ": ONNX Runtime differs by " + ortErr);
            assertTrue(backErr <= TOL, name + ": re-import differs by " + backErr);

            ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
            assertEquals(OnnxExport.OPSET, proto.getOpsetImport(0).getVersion());
            assertEquals("batch", proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            Set<String> expected = model.stateDict().keySet().stream().filter(k -> !k.endsWith("num_batches_tracked")).collect(Collectors.toCollection(java.util.HashSet::new));
            for (int i = 0; i < spec.layers().size(); i++) {
                if (spec.layers().get(i).type().equals("normalize")) expected.addAll(List.of(i + ".mean", i + ".std"));
            }
            assertEquals(expected, proto.getGraph().getInitializerList().stream().map(TensorProto::getName).collect(Collectors.toSet()));
        }
    }

    @Test
    void fineTunedImportIsWrittenBackWithItsNewWeights() throws Exception {
        Backend backend = Backends.configured();
        Path src = FixtureImportTest.fixtures().resolve("tiny_cnn.onnx");
        try (Scope scope = Scope.open()) {
            OnnxModel m = OnnxModel.load(src, backend);
            var w = m.parameters().get("fc.weight");
            w.assign(backend.affine(w.value(), 2, 0.25));
            Path out = dir.resolve("tiny_cnn_tuned.onnx");
            OnnxExport.write(m, null, out);
            float[] x = new float[2 * 64];
            for (int i = 0; i < x.length; i++) x[i] = (i % 7) / 7f;
            float[] ours = m.forward(Variable.constant(backend.fromArray(x, Shape.of(2, 1, 8, 8)))).value().toFloatArray();
            assertTrue(Oracles.scaledError(ours, Oracles.onnxRuntime(out, x, 2, 1, 8, 8)) <= TOL);
            assertTrue(Oracles.scaledError(ours, Oracles.onnxRuntime(src, x, 2, 1, 8, 8)) > 1e-2, "the weights changed");
        }
    }

    @Test
    void unsupportedLayerIsNamed() {
        try (Scope scope = Scope.open()) {
            Module odd = new Module() {
                @Override
                public Variable forward(Variable x) {
                    return x;
                }
            };
            OnnxException e = assertThrows(OnnxException.class, () -> OnnxExport.build(
                    dev.lipreg.nn.Sequential.of(new dev.lipreg.nn.Linear(new Init(Backends.reference(), 1), 2, 2), odd), new int[]{2}));
            assertTrue(e.getMessage().contains("cannot export layer"), e.getMessage());
        }
    }

    @AfterAll
    static void onnxCheckerAcceptsEveryFile() throws Exception {
        String missing = TorchExports.probe("import onnx");
        if (missing != null) System.err.println("skipping the python3-onnx checker: " + missing);
        Assumptions.assumeTrue(missing == null && !written.isEmpty());
        List<String> cmd = new ArrayList<>(List.of(TorchExports.PYTHON.toString(), "-c",
                "import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print('onnx checker ok:', p)"));
        written.forEach(p -> cmd.add(p.toString()));
        System.err.print(TorchExports.run(cmd, dir));
    }
}
