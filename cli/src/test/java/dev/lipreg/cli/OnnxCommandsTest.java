package dev.lipreg.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX paths of the CLI end to end on real Fashion-MNIST and the default backend:
 * a LipReg run exported (`export`) runs in ONNX Runtime with LipReg's logits; the file is
 * evaluated, attacked and certified (`eval`), attacked (`attack`) and scored (`detect`) like the
 * run itself; `grad --model MODEL.onnx` equals `grad` on the run; `train --init MODEL.onnx`
 * fine-tunes it and exports back. With PyTorch present, a model PyTorch trained goes through `eval`.
 */
class OnnxCommandsTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    @TempDir
    static Path dir;
    static Path run, onnx;

    static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.dump());
        return r;
    }

    @BeforeAll
    static void trainAndExport() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not found at " + DATA);
        Path spec = dir.resolve("small.json");
        Files.writeString(spec, """
                {"name": "small-cnn", "input": [1, 28, 28], "classes": 10, "layers": [
                  {"type": "conv2d", "in": 1, "out": 8, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "maxpool2d", "kernel": 2},
                  {"type": "conv2d", "in": 8, "out": 8, "kernel": 3, "padding": 1}, {"type": "batchnorm2d", "channels": 8}, {"type": "relu"},
                  {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "in": 392, "out": 10}]}
                """);
        run = dir.resolve("run");
        ok("train", "--model", spec.toString(), "--data-dir", DATA.toString(), "--train-subset", "2000", "--test-subset", "100",
                "--epochs", "1", "--batch", "50", "--optimizer", "adam", "--lr", "0.003", "--out", run.toString());
        onnx = dir.resolve("small.onnx");
        CliRun r = ok("export", "--checkpoint", run.toString(), "--out", onnx.toString());
        assertTrue(r.out().contains("ONNX opset 17"), r.dump());
    }

    /** n real test images [n,1,28,28] as LipReg feeds them (pixel/255). */
    static float[] images(int n) throws IOException {
        Dataset test = FashionMnist.load(DATA, Split.TEST);
        float[] x = new float[n * 784];
        for (int i = 0; i < n; i++) System.arraycopy(test.image(i), 0, x, i * 784, 784);
        return x;
    }

    static float[] onnxRuntime(Path model, float[] x, long... dims) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
             OrtSession.Result r = s.run(Map.of("input", in))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] y = new float[fb.remaining()];
            fb.get(y);
            return y;
        }
    }

    static double scaledError(float[] a, float[] b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    @Test
    void exportedRunGivesLipRegsLogitsInOnnxRuntime() throws Exception {
        float[] x = images(16);
        Backend b = Backends.configured();
        try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            Sequential m = ModelSpec.read(run.resolve(RunDir.MODEL)).build(new Init(b, 0));
            RunDir.loadWeights(run.resolve(RunDir.CHECKPOINT), m);
            m.eval();
            float[] ours = m.forward(Variable.constant(b.fromArray(x, Shape.of(16, 1, 28, 28)))).value().toFloatArray();
            double err = scaledError(ours, onnxRuntime(onnx, x, 16, 1, 28, 28));
            assertTrue(err <= 1e-4, "ONNX Runtime vs LipReg: " + err);
        }
    }

    @Test
    void evalOfTheOnnxFileEqualsEvalOfTheRun() throws IOException {
        Path out = dir.resolve("eval");
        CliRun r = ok("eval", "--checkpoint", run.toString(), "--checkpoint", onnx.toString(), "--data-dir", DATA.toString(), "--test-subset", "40",
                "--eps-l2", "0.5", "--eps-linf", "0.05", "--attacks", "pgd", "--pgd-steps", "5", "--out", out.toString());
        JsonNode models = Json.read(out.resolve("report.json")).get("models");
        JsonNode native_ = models.get(0), imported = models.get(1);
        assertEquals("small", imported.get("name").asText(), r.dump());
        assertEquals(native_.get("cleanError").asDouble(), imported.get("cleanError").asDouble(), 1e-12, r.dump());
        assertTrue(native_.get("cleanError").asDouble() < 0.5, "the run learned something: " + native_);
        double bNative = native_.get("certification").get("lipschitzBound").asDouble();
        double bImported = imported.get("certification").get("lipschitzBound").asDouble();
        assertEquals(bNative, bImported, 1e-3 * bNative, "the imported graph is bounded through the same layers");
        assertEquals(native_.get("errors").get("l2").get("error").get(0).asDouble(), imported.get("errors").get("l2").get("error").get(0).asDouble(),
                0.051, "PGD finds about as many errors on both");
    }

    @Test
    void attackAndDetectTakeTheOnnxFile() throws IOException {
        Path adv = dir.resolve("adv.safetensors");
        ok("attack", "--checkpoint", onnx.toString(), "--data-dir", DATA.toString(), "--test-subset", "10", "--attack", "pgd", "--norm", "l2",
                "--eps", "1", "--pgd-steps", "5", "--out", adv.toString());
        try (Scope s = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(adv, Backends.reference());
            assertEquals(Shape.of(10, 1, 28, 28), f.tensor("x_adv").shape());
        }
        Path det = dir.resolve("detect");
        CliRun r = ok("detect", "--checkpoint", onnx.toString(), "--data-dir", DATA.toString(), "--test-subset", "16", "--attacks", "pgd",
                "--eps", "1", "--pgd-steps", "3", "--out", det.toString());
        assertTrue(Files.isRegularFile(det.resolve("detect.json")), r.dump());
    }

    @Test
    void gradOfTheOnnxFileEqualsGradOfTheRun() throws IOException {
        Path batch = dir.resolve("batch.safetensors");
        float[] x = images(6);
        try (Scope s = Scope.open()) {
            Backend ref = Backends.reference();
            Dataset test = FashionMnist.load(DATA, Split.TEST);
            long[] y = new long[6];
            for (int i = 0; i < 6; i++) y[i] = test.label(i);
            SafeTensors.write(batch, Map.of("x", ref.fromArray(x, Shape.of(6, 1, 28, 28)), "y", Tensor.ofLabels(ref, y)));
        }
        Path fromRun = dir.resolve("g-run.safetensors"), fromOnnx = dir.resolve("g-onnx.safetensors");
        ok("grad", "--model", run.resolve(RunDir.MODEL).toString(), "--weights", run.resolve(RunDir.CHECKPOINT).toString(),
                "--input", batch.toString(), "--lip", "0.1", "--eval-mode", "--out", fromRun.toString());
        ok("grad", "--model", onnx.toString(), "--input", batch.toString(), "--lip", "0.1", "--eval-mode", "--out", fromOnnx.toString());
        try (Scope s = Scope.open()) {
            Map<String, Tensor> a = SafeTensors.read(fromRun, Backends.reference()).tensors();
            Map<String, Tensor> b = SafeTensors.read(fromOnnx, Backends.reference()).tensors();
            assertEquals(a.keySet(), b.keySet(), "the same outputs, parameters by their state_dict names");
            for (String k : a.keySet()) {
                double err = scaledError(b.get(k).toFloatArray(), a.get(k).toFloatArray());
                assertTrue(err <= 1e-4, k + ": " + err);
            }
        }
    }

    @Test
    void trainInitFineTunesTheOnnxModelAndExportsItBack() throws Exception {
        Path tuned = dir.resolve("tuned");
        ok("train", "--init", onnx.toString(), "--data-dir", DATA.toString(), "--train-subset", "400", "--test-subset", "50", "--epochs", "1",
                "--batch", "50", "--optimizer", "adam", "--lr", "0.001", "--lip", "0.01", "--out", tuned.toString());
        try (Scope s = Scope.open()) {
            Map<String, Tensor> start = SafeTensors.read(OnnxInit.weights(tuned), Backends.reference()).tensors();
            Map<String, Tensor> trained = SafeTensors.read(run.resolve(RunDir.CHECKPOINT), Backends.reference()).tensors();
            for (var e : start.entrySet()) {
                assertTrue(java.util.Arrays.equals(e.getValue().toFloatArray(), trained.get(e.getKey()).toFloatArray()) || e.getKey().endsWith("tracked"),
                        "starts from the imported " + e.getKey());
            }
        }
        assertTrue(Files.isRegularFile(tuned.resolve(RunDir.CHECKPOINT)));
        Path back = dir.resolve("tuned.onnx");
        ok("export", "--checkpoint", tuned.toString(), "--out", back.toString());
        float[] x = images(8);
        float[] before = onnxRuntime(onnx, x, 8, 1, 28, 28), after = onnxRuntime(back, x, 8, 1, 28, 28);
        assertTrue(scaledError(after, before) > 1e-4, "fine-tuning changed the model");
        CliRun bad = CliRun.of("train", "--init", onnx.toString(), "--model", "mlp", "--data-dir", DATA.toString(), "--out", dir.resolve("x").toString());
        assertTrue(bad.code() != 0 && bad.err().contains("--init: the model comes from"), bad.dump());
        // a start that fails after the import (here: the batch size) leaves no OUT/onnx-init behind
        Path failed = dir.resolve("failed");
        CliRun late = CliRun.of("train", "--init", onnx.toString(), "--data-dir", DATA.toString(), "--batch", "0", "--out", failed.toString());
        assertTrue(late.code() == 2 && late.err().contains("--batch"), late.dump());
        assertFalse(Files.exists(failed), "nothing left of the failed start: " + failed);
    }

    /** y = g(x) + g(x) for a linear g: runs everywhere, but has no LipReg layers to bound it through. */
    @Test
    void aBranchingGraphIsEvaluatedWithoutCertificationOnly() throws IOException {
        var w = dev.lipreg.onnx.gen.OnnxProto.TensorProto.newBuilder().setName("w").setDataType(1).addDims(10).addDims(784);
        for (int i = 0; i < 7840; i++) w.addFloatData((i % 13 - 6) / 100f);
        var gemm = dev.lipreg.onnx.gen.OnnxProto.NodeProto.newBuilder().setOpType("Gemm").addInput("f").addInput("w").addOutput("g")
                .addAttribute(dev.lipreg.onnx.gen.OnnxProto.AttributeProto.newBuilder().setName("transB")
                        .setType(dev.lipreg.onnx.gen.OnnxProto.AttributeProto.AttributeType.INT).setI(1));
        var shape = dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto.newBuilder()
                .addDim(dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : new int[]{1, 28, 28}) shape.addDim(dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        var graph = dev.lipreg.onnx.gen.OnnxProto.GraphProto.newBuilder().setName("branch").addInitializer(w)
                .addInput(dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto.newBuilder().setName("input").setType(
                        dev.lipreg.onnx.gen.OnnxProto.TypeProto.newBuilder().setTensorType(
                                dev.lipreg.onnx.gen.OnnxProto.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))))
                .addNode(dev.lipreg.onnx.gen.OnnxProto.NodeProto.newBuilder().setOpType("Flatten").addInput("input").addOutput("f"))
                .addNode(gemm)
                .addNode(dev.lipreg.onnx.gen.OnnxProto.NodeProto.newBuilder().setOpType("Add").setName("twice").addInput("g").addInput("g").addOutput("y"))
                .addOutput(dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto.newBuilder().setName("y"));
        Path file = dir.resolve("branch.onnx");
        Files.write(file, dev.lipreg.onnx.gen.OnnxProto.ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(dev.lipreg.onnx.gen.OnnxProto.OperatorSetIdProto.newBuilder().setVersion(17)).build().toByteArray());
        List<String> eval = List.of("eval", "--checkpoint", file.toString(), "--data-dir", DATA.toString(), "--test-subset", "8",
                "--eps-l2", "0.5", "--eps-linf", "none", "--attacks", "pgd", "--pgd-steps", "2", "--out", dir.resolve("branch").toString());
        CliRun refused = CliRun.of(eval.toArray(String[]::new));
        assertEquals(2, refused.code(), refused.dump());
        assertTrue(refused.err().contains("--certify: no Lipschitz bound for branch.onnx") && refused.err().contains("'twice' (Add)")
                && refused.err().contains("pass --no-certify"), refused.dump());
        List<String> noCertify = new ArrayList<>(eval);
        noCertify.add("--no-certify");
        ok(noCertify.toArray(String[]::new));
    }

    @Test
    void aModelPyTorchTrainedIsEvaluatedAndCertified() throws Exception {
        Path py = Path.of("/usr/bin/python3");
        Path script = Path.of("../onnx/src/test/python/torch_models.py").toAbsolutePath().normalize();
        Process probe = new ProcessBuilder(py.toString(), "-c", "import torch").redirectErrorStream(true).start();
        String why = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean torch = probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
        if (!torch) System.err.println("skipping the PyTorch-trained model: " + why.strip());
        Assumptions.assumeTrue(torch, "PyTorch unavailable");
        List<String> cmd = new ArrayList<>(List.of(py.toString(), script.toString(), dir.toString(), "fashion_cnn_trained"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FASHION_DIR", DATA.toString());
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        Path model = dir.resolve("fashion_cnn_trained.onnx");
        Path out = dir.resolve("torch-eval");
        CliRun r = ok("eval", "--checkpoint", model.toString(), "--data-dir", DATA.toString(), "--test-subset", "100", "--eps-l2", "0.25",
                "--eps-linf", "0.02", "--attacks", "pgd", "--pgd-steps", "5", "--out", out.toString());
        JsonNode m = Json.read(out.resolve("report.json")).get("models").get(0);
        assertTrue(m.get("cleanError").asDouble() < 0.4, "PyTorch's model classifies LipReg's images: " + r.dump());
        assertTrue(m.get("certification").get("lipschitzBound").asDouble() > 1, m.toString());
    }
}
