package dev.lipreg.cli;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.regularizers.InputGradient;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.StepValues;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lipreg grad}: one evaluation of the training objective on a given
 * batch, with every gradient written out, so other implementations (PyTorch)
 * can be compared tensor by tensor.
 */
@Command(name = "grad", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Evaluate the training objective (loss + penalties) on one batch and write logits, loss, per-example input "
                + "gradients ∇ₓℓ, the penalty and the gradient of the objective with respect to every parameter P (as grad.P).",
                "The input batch holds tensors x [N,C,H,W] float32 and y [N] int64."})
final class GradCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC.json|MODEL.onnx", required = true,
            description = "Model spec JSON (e.g. a run's model.json), or an ONNX file (weights included; " + OnnxModels.ASSUMPTION + ").")
    Path model;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Weights (safetensors with PyTorch state_dict names; a training checkpoint works too). Required with a spec; "
                    + "with an ONNX file they replace its initializers, by name.")
    Path weights;

    @Option(names = "--input", paramLabel = "FILE", required = true, description = "Batch: safetensors with x [N,C,H,W] float32 and y [N] int64.")
    Path input;

    @Mixin
    PenaltyOptions penalties;

    @Option(names = "--eval-mode", description = "Run the model in evaluation mode (default: training mode, as a training step does).")
    boolean evalMode;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output safetensors file (written atomically).")
    Path out;

    @Override
    public Integer call() {
        RobustObjective objective = penalties.objective();
        boolean onnx = OnnxModels.isOnnx(model);
        ModelSpec modelSpec = onnx ? null : Models.read("--model", model);
        if (!onnx && weights == null) throw BadInputException.of("--weights", "a weights file (required with a model spec)", "none");
        if (weights != null) requireFile("--weights", weights);
        requireFile("--input", input);
        Backend b = backend.resolve();
        try (Scope scope = Scope.open()) {
            Module net;
            int[] chw;
            int classes;
            if (onnx) {
                OnnxModel m = OnnxModels.load("--model", model, b);
                chw = OnnxModels.chw(m);
                if (chw == null) throw BadInputException.of("--model", "an ONNX model declaring its input [N,C,H,W]", Arrays.toString(m.inputDims()));
                int[] out = OnnxModels.outputDims("--model", m, chw);
                if (out.length != 2) throw BadInputException.of("--model", "an ONNX model returning logits [N, classes]", Arrays.toString(out));
                classes = out[1];
                net = m;
            } else {
                net = modelSpec.build(new Init(b, 0));
                chw = modelSpec.input();
                classes = modelSpec.classes();
            }
            if (weights != null) RunDir.loadWeights(weights, net);
            net.train(!evalMode);
            // Read on the host: the file may hold tensors (an attack's float64 distances) the compute
            // backend cannot store; only x and y move to it.
            SafeTensorFile batch = SafeTensors.read(input, Backends.reference());
            Tensor x = images(batch, chw).to(b), y = labels(batch, x.dim(0), classes).to(b);

            InputGradient ig = InputGradient.compute(net, objective.loss(), x, y, GradientTarget.LOSS, false);
            StepValues v = objective.evaluate(net, x, y);
            List<Parameter> params = new ArrayList<>(net.parameters().values());
            List<Variable> grads = Autograd.grad(List.of(v.total()), new ArrayList<>(params), null, false);

            Map<String, Tensor> result = new LinkedHashMap<>();
            result.put("logits", ig.logits().value());
            result.put("loss", scalar(b, v.dataLoss()));
            result.put("input_grad", ig.grad().value());
            result.put("penalty", scalar(b, v.penalties().values().stream().mapToDouble(Double::doubleValue).sum()));
            v.penalties().forEach((label, value) -> result.put("penalty." + label, scalar(b, value)));
            result.put("objective", scalar(b, v.total().item()));
            List<String> names = new ArrayList<>(net.parameters().keySet());
            for (int i = 0; i < names.size(); i++) result.put("grad." + names.get(i), grads.get(i).value());
            createParent(out);
            SafeTensors.write(out, result, Map.of("objective", objective.describe(), "mode", evalMode ? "eval" : "train"));
            spec.commandLine().getOut().printf("loss %.6g, penalty %.6g, objective %.6g over %d examples; wrote %d tensors to %s%n",
                    v.dataLoss(), result.get("penalty").item(), v.total().item(), x.dim(0), result.size(), out);
        }
        return Lipreg.OK;
    }

    private Tensor images(SafeTensorFile batch, int[] chw) {
        Tensor x = batch.tensors().get("x");
        String expected = "x as float32 [N," + chw[0] + "," + chw[1] + "," + chw[2] + "] (the model's input)";
        if (x == null) throw BadInputException.of("--input", expected, "no tensor 'x' (the file has " + batch.tensors().keySet() + ")");
        if (x.dtype() != DType.FLOAT32 || x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != chw[0] || x.dim(2) != chw[1] || x.dim(3) != chw[2]) {
            throw BadInputException.of("--input", expected, "x " + x.dtype() + x.shape());
        }
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) throw BadInputException.of("--input", "finite pixels in x", "x[" + i + "] = " + v[i]);
        }
        return x;
    }

    private Tensor labels(SafeTensorFile batch, int n, int classes) {
        Tensor y = batch.tensors().get("y");
        String expected = "y as int64 [" + n + "] with classes in [0, " + classes + ")";
        if (y == null) throw BadInputException.of("--input", expected, "no tensor 'y' (the file has " + batch.tensors().keySet() + ")");
        if (y.dtype().isFloating() || y.rank() != 1 || y.dim(0) != n) throw BadInputException.of("--input", expected, "y " + y.dtype() + y.shape());
        long[] l = y.toLongArray();
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= classes) throw BadInputException.of("--input", expected, "y[" + i + "] = " + l[i]);
        }
        return y.dtype() == DType.INT64 ? y : Tensor.ofLabels(y.backend(), l);
    }

    private static Tensor scalar(Backend b, double v) {
        return b.full(Shape.scalar(), DType.FLOAT32, v);
    }

    static void requireFile(String option, Path file) {
        if (!Files.isRegularFile(file)) throw BadInputException.of(option, "an existing file", file + " (no such file)");
    }

    static void createParent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory " + parent + ": " + e.getMessage(), e);
        }
    }
}
