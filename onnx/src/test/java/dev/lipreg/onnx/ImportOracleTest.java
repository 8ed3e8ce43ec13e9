package dev.lipreg.onnx;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Parameter;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models PyTorch exported (fashion-cnn, resnet-small, a ResNeXt block, an MLP, a
 * BatchNorm/AvgPool/LeakyReLU/Sigmoid/Clip/Softmax mix, and normalisation, Concat, Transpose,
 * MatMul, ReduceMean, Squeeze/Unsqueeze at opset 12) imported on the default backend:
 * logits equal ONNX Runtime's and PyTorch's, and the input gradient and the penalty's
 * parameter gradients (double backprop) equal PyTorch's, all within 1e-4 relative (float32).
 */
class ImportOracleTest {
    static final double TOL = 1e-4;
    @TempDir
    static Path dir;

    @BeforeAll
    static void exportModels() throws Exception {
        TorchExports.assumeTorch();
        TorchExports.export(dir, "fashion_cnn", "resnet_small", "resnext_block", "mlp", "mixed", "graph_ops");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion_cnn", "resnet_small", "resnext_block", "mlp", "mixed", "graph_ops"})
    void matchesOnnxRuntimeAndPyTorch(String name) throws Exception {
        check(dir, name, Backends.configured());
    }

    /** Checks one exported model and its references against the import on {@code backend}. */
    static void check(Path dir, String name, Backend backend) throws Exception {
        Path onnx = dir.resolve(name + ".onnx");
        try (Scope scope = Scope.open()) {
            SafeTensorFile ref = SafeTensors.read(dir.resolve(name + ".safetensors"), Backends.reference());
            Tensor x64 = ref.tensor("x");
            float[] xf = x64.toFloatArray();
            OnnxModel model = OnnxModel.load(onnx, backend);
            Variable x = Variable.leaf(backend.fromArray(xf, x64.shape()));
            Variable logits = model.forward(x);
            float[] ours = logits.value().toFloatArray();
            int classes = logits.dim(1);

            long[] dims = java.util.Arrays.stream(x64.shape().dims()).asLongStream().toArray();
            float[] ort = Oracles.onnxRuntime(onnx, xf, dims);
            float[] comparable = model.droppedOutputOp() == null ? ours
                    : model.droppedOutputOp().equals("Softmax") ? Oracles.softmaxRows(ours, classes) : logSoftmaxRows(ours, classes);
            double ortErr = Oracles.scaledError(comparable, ort);
            double torchErr = Oracles.scaledError(Oracles.toDouble(ours), ref.tensor("logits").toDoubleArray());

            // L = Σ cross-entropy; gx = dL/dx; P = Σ gx² / batch; dP/dθ by double backprop
            Tensor labels = ref.tensor("y").to(backend);
            Variable onehot = Ops.oneHot(labels, classes, logits);
            Variable loss = Ops.neg(Ops.sum(Ops.mul(onehot, Ops.logSoftmax(logits, 1))));
            Variable gx = Autograd.grad(loss, x, true);
            double gxErr = Oracles.scaledError(gx.value().toDoubleArray(), ref.tensor("gx").toDoubleArray());
            Variable penalty = Ops.scale(Ops.sum(Ops.square(gx)), 1.0 / x.dim(0));
            double pErr = Oracles.scaledError(penalty.value().toDoubleArray(), ref.tensor("penalty").toDoubleArray());
            List<String> names = new ArrayList<>(model.parameters().keySet());
            List<Variable> params = new ArrayList<>(model.parameters().values());
            List<Variable> grads = Autograd.grad(List.of(penalty), params, null, false);
            Map<String, Double> paramErr = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                Tensor expected = ref.tensor("grad." + names.get(i));
                assertNotNull(expected, name + ": PyTorch has no parameter " + names.get(i) + " (import names: " + names + ")");
                double[] actual = grads.get(i) == null ? new double[(int) expected.size()] : grads.get(i).value().toDoubleArray();
                paramErr.put(names.get(i), Oracles.scaledError(actual, expected.toDoubleArray()));
            }
            double worstParam = paramErr.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            System.err.printf("%s on %s: %s; logits vs ORT %.2e, vs PyTorch %.2e; gx %.2e; penalty %.2e; worst of %d parameter grads %.2e%n",
                    name, backend.name(), model.describe(), ortErr, torchErr, gxErr, pErr, names.size(), worstParam);
            assertEquals(ref.tensor("x").shape().dim(0), logits.dim(0));
            assertTrue(ortErr <= TOL, name + ": logits differ from ONNX Runtime by " + ortErr);
            assertTrue(torchErr <= TOL, name + ": logits differ from PyTorch by " + torchErr);
            assertTrue(gxErr <= TOL, name + ": input gradient differs from PyTorch by " + gxErr);
            assertTrue(pErr <= TOL, name + ": penalty differs from PyTorch by " + pErr);
            paramErr.forEach((k, e) -> assertTrue(e <= TOL, name + ": dP/d" + k + " differs from PyTorch by " + e));
            assertEquals(ref.tensors().keySet().stream().filter(k -> k.startsWith("grad.")).count(), names.size(),
                    name + ": every PyTorch parameter is a LipReg parameter");
        }
    }

    static float[] logSoftmaxRows(float[] logits, int classes) {
        float[] p = Oracles.softmaxRows(logits, classes);
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.log(p[i]);
        return p;
    }

    /** PyTorch's resnet-small (basic blocks with projection shortcuts) converts to LipReg's residual blocks, same function. */
    @Test
    void pyTorchResNetConvertsToLipRegBlocks() {
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open(); dev.lipreg.autograd.GradMode.Restore off = dev.lipreg.autograd.GradMode.disabled()) {
            OnnxModel model = OnnxModel.load(dir.resolve("resnet_small.onnx"), backend);
            NativeModel nm = model.toNative();
            assertEquals(List.of("conv2d", "batchnorm2d", "relu", "residual", "residual", "residual", "adaptive_avgpool2d", "flatten", "linear"),
                    nm.spec().layers().stream().map(l -> l.type()).toList());
            float[] x = new float[3 * 784];
            for (int i = 0; i < x.length; i++) x[i] = (i * 29 % 97) / 96f;
            Variable in = Variable.constant(backend.fromArray(x, dev.lipreg.tensor.Shape.of(3, 1, 28, 28)));
            double err = Oracles.scaledError(nm.build(backend).forward(in).value().toFloatArray(), model.forward(in).value().toFloatArray());
            assertTrue(err <= 1e-5, "converted vs imported " + err);
        }
    }

    @Test
    void batchSizeIsFree() throws Exception {
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open()) {
            OnnxModel model = OnnxModel.load(dir.resolve("fashion_cnn.onnx"), backend);
            for (int n : new int[]{1, 3, 7}) {
                float[] x = new float[n * 28 * 28];
                for (int i = 0; i < x.length; i++) x[i] = (i * 37 % 101) / 100f;
                float[] ours = model.forward(Variable.constant(backend.fromArray(x, dev.lipreg.tensor.Shape.of(n, 1, 28, 28)))).value().toFloatArray();
                float[] ort = Oracles.onnxRuntime(dir.resolve("fashion_cnn.onnx"), x, n, 1, 28, 28);
                assertTrue(Oracles.scaledError(ours, ort) <= TOL, "batch " + n);
            }
            assertEquals(DType.FLOAT32, model.parameters().get("fc1.weight").dtype());
            assertTrue(model.parameters().get("conv1.weight") instanceof Parameter);
        }
    }
}
