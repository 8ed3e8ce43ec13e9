package dev.lipreg.onnx;

import com.google.protobuf.ByteString;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Normalize;
import dev.lipreg.nn.Sequential;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Normalize layer through ONNX: exported as Sub and Div by constant initializers, imported back
 * with the same logits and input gradients, lifted back to a normalize layer by {@code toNative()}
 * (also from the shapes PyTorch's exports use: [C,1,1] and scalar constants), and refused by node
 * where a Sub or Div is no per-channel normalization.
 */
class NormalizeOnnxTest {
    static final double[] MEAN = {0.4914, 0.4822, 0.4465}, STD = {0.247, 0.243, 0.261};

    static ModelSpec spec() {
        return new ModelSpec("normalized", new int[]{3, 6, 6}, 4, List.of(
                LayerSpec.of("normalize", "mean", MEAN, "std", STD),
                LayerSpec.of("conv2d", "in", 3, "out", 4, "kernel", 3, "padding", 1),
                LayerSpec.of("relu"),
                LayerSpec.of("maxpool2d", "kernel", 2),
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", 36, "out", 4)));
    }

    static Variable images(Backend backend, int n, long seed) {
        float[] x = new float[n * 3 * 36];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
        return Variable.leaf(backend.fromArray(x, Shape.of(n, 3, 6, 6)));
    }

    /** The gradient of the summed squared logits with respect to the input, and the logits. */
    static float[][] logitsAndInputGradient(Module m, Variable x) {
        Variable y = m.forward(x);
        Variable g = Autograd.grad(Ops.sum(Ops.square(y)), x, false);
        return new float[][]{y.value().toFloatArray(), g.value().toFloatArray()};
    }

    @Test
    void exportImportAndLiftKeepLogitsAndInputGradients() {
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open()) {
            Sequential original = spec().build(new Init(backend, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 7));
            original.eval();
            ModelProto proto = OnnxExport.build(original, spec().input());
            List<String> ops = proto.getGraph().getNodeList().stream().map(n -> n.getOpType()).toList();
            assertEquals(List.of("Sub", "Div"), ops.subList(0, 2));
            TensorProto mean = proto.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("0.mean")).findFirst().orElseThrow();
            assertEquals(List.of(1L, 3L, 1L, 1L), mean.getDimsList());

            OnnxModel imported = OnnxModel.load("normalized.onnx", proto.toByteArray(), backend, null);
            Variable x = images(backend, 5, 3);
            float[][] ours = logitsAndInputGradient(original, x), back = logitsAndInputGradient(imported, x);
            assertArrayEquals(ours[0], back[0], "imported logits");
            assertTrue(Oracles.scaledError(back[1], ours[1]) <= 1e-6, "imported input gradients differ by " + Oracles.scaledError(back[1], ours[1]));

            NativeModel lifted = imported.toNative();
            LayerSpec first = lifted.spec().layers().getFirst();
            assertEquals("normalize", first.type());
            for (int c = 0; c < 3; c++) {
                assertEquals((float) MEAN[c], first.lists().get("mean").get(c).floatValue());
                assertEquals((float) STD[c], first.lists().get("std").get(c).floatValue());
            }
            float[][] native_ = logitsAndInputGradient(lifted.build(backend), x);
            assertArrayEquals(ours[0], native_[0], "lifted logits");
            assertTrue(Oracles.scaledError(native_[1], ours[1]) <= 1e-6, "lifted input gradients");
        }
    }

    private static ByteString floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return ByteString.copyFrom(b.array());
    }

    /** The exported graph with its mean and std initializers replaced. */
    private static ModelProto withConstants(ModelProto proto, long[] meanDims, float[] mean, long[] stdDims, float[] std) {
        ModelProto.Builder b = proto.toBuilder();
        var g = b.getGraphBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            String name = g.getInitializer(i).getName();
            if (name.equals("0.mean")) g.setInitializer(i, TensorProto.newBuilder().setName(name).setDataType(1).addAllDims(boxed(meanDims)).setRawData(floats(mean)));
            if (name.equals("0.std")) g.setInitializer(i, TensorProto.newBuilder().setName(name).setDataType(1).addAllDims(boxed(stdDims)).setRawData(floats(std)));
        }
        return b.build();
    }

    private static List<Long> boxed(long[] d) {
        return java.util.Arrays.stream(d).boxed().toList();
    }

    @Test
    void torchShapedConstantsLiftToOneValuePerChannel() {
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            Sequential original = spec().build(new Init(backend, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 7));
            original.eval();
            // mean as [3,1,1] (torchvision's view(-1, 1, 1)), std a scalar
            ModelProto proto = withConstants(OnnxExport.build(original, spec().input()), new long[]{3, 1, 1}, new float[]{0.5f, 0.25f, 0.125f},
                    new long[0], new float[]{0.5f});
            OnnxModel imported = OnnxModel.load("torch-shaped.onnx", proto.toByteArray(), backend, null);
            NativeModel lifted = imported.toNative();
            assertEquals(List.of(0.5, 0.25, 0.125), lifted.spec().layers().getFirst().lists().get("mean"));
            assertEquals(List.of(0.5, 0.5, 0.5), lifted.spec().layers().getFirst().lists().get("std"));

            Sequential reference = Sequential.of(new Normalize(new double[]{0.5, 0.25, 0.125}, new double[]{0.5, 0.5, 0.5}),
                    new Sequential(original.layers().subList(1, original.layers().size())));
            Variable x = images(backend, 3, 4);
            float[] expected = reference.forward(x).value().toFloatArray();
            assertArrayEquals(expected, imported.forward(x).value().toFloatArray());
            assertArrayEquals(expected, lifted.build(backend).forward(x).value().toFloatArray());
        }
    }

    /**
     * PyTorch's own export of a model normalizing inside (torchvision style, [1,C,1,1] buffers) imports and lifts to
     * a normalize layer whose model gives PyTorch's float64 logits and input gradients (python3-torch; skipped without).
     */
    @Test
    void pyTorchNormalizationLiftsToANormalizeLayer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TorchExports.assumeTorch();
        TorchExports.export(dir, "normalized_cnn");
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open()) {
            var ref = dev.lipreg.tensor.io.SafeTensors.read(dir.resolve("normalized_cnn.safetensors"), Backends.reference());
            NativeModel lifted = OnnxModel.load(dir.resolve("normalized_cnn.onnx"), backend).toNative();
            assertEquals(List.of("normalize", "conv2d", "relu", "maxpool2d", "flatten", "linear"),
                    lifted.spec().layers().stream().map(LayerSpec::type).toList());
            for (int c = 0; c < 3; c++) assertEquals((float) STD[c], lifted.spec().layers().getFirst().lists().get("std").get(c).floatValue());
            Sequential m = lifted.build(backend);
            var x64 = ref.tensor("x");
            Variable x = Variable.leaf(backend.fromArray(x64.toFloatArray(), x64.shape()));
            Variable logits = m.forward(x);
            Variable loss = Ops.neg(Ops.sum(Ops.mul(Ops.oneHot(ref.tensor("y").to(backend), 10, logits), Ops.logSoftmax(logits, 1))));
            double[] gx = Autograd.grad(loss, x, false).value().toDoubleArray();
            double logitErr = Oracles.scaledError(logits.value().toDoubleArray(), ref.tensor("logits").toDoubleArray());
            double gxErr = Oracles.scaledError(gx, ref.tensor("gx").toDoubleArray());
            System.err.printf("normalized_cnn lifted: logits vs PyTorch %.2e, input gradient %.2e%n", logitErr, gxErr);
            assertTrue(logitErr <= ImportOracleTest.TOL, "logits differ from PyTorch by " + logitErr);
            assertTrue(gxErr <= ImportOracleTest.TOL, "input gradients differ from PyTorch by " + gxErr);
        }
    }

    @Test
    void subOrDivThatIsNoNormalizationIsRefusedByNode() {
        Backend backend = Backends.reference();
        try (Scope scope = Scope.open()) {
            Sequential original = spec().build(new Init(backend, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 7));
            ModelProto base = OnnxExport.build(original, spec().input());
            // a constant varying along the height, not the channels
            ModelProto rows = withConstants(base, new long[]{1, 1, 6, 1}, new float[]{0, 1, 2, 3, 4, 5}, new long[0], new float[]{1});
            OnnxException e = assertThrows(OnnxException.class, () -> OnnxModel.load("rows.onnx", rows.toByteArray(), backend, null).toNative());
            assertTrue(e.getMessage().contains("(Sub)") && e.getMessage().contains("converts only as a per-channel normalization"), e.getMessage());
            // division by a negative constant flips the image: no normalize layer has that
            ModelProto negative = withConstants(base, new long[0], new float[]{0}, new long[]{3, 1, 1}, new float[]{1, -1, 1});
            e = assertThrows(OnnxException.class, () -> OnnxModel.load("negative.onnx", negative.toByteArray(), backend, null).toNative());
            assertTrue(e.getMessage().contains("(Div)") && e.getMessage().contains("only Div by finite constants > 0"), e.getMessage());
        }
    }
}
