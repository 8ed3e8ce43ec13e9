package dev.lipreg.cli;

import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxExport;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code lipreg export}: a trained model as an ONNX file for ONNX Runtime, PyTorch tooling and others. */
@Command(name = "export", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Write a trained model as ONNX (opset " + OnnxExport.OPSET + ", float32, dynamic batch): input 'input' [batch,C,H,W] "
                + "images in [0, 1] (pixel/255), output logits [batch, classes]; initializers carry the PyTorch state_dict names; "
                + "batch norm uses its running statistics and dropout is the identity (evaluation mode).",
                "An ONNX --checkpoint is written back unchanged but for its weights."})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR|FILE", required = true,
            description = "A training run directory, a checkpoint file (with model.json beside it) or an ONNX file.")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "MODEL.onnx", required = true, description = "The ONNX file to write (atomically).")
    Path out;

    @Override
    public Integer call() {
        ModelRef ref = ModelRef.resolve("--checkpoint", checkpoint);
        Backend b = Backends.reference();
        int[] input;
        try (Scope scope = Scope.open()) {
            Module model;
            if (ref.isOnnx()) {
                OnnxModel m = OnnxModels.load("--checkpoint", checkpoint, b);
                model = m;
                int[] d = m.inputDims();
                input = d == null ? new int[0] : Arrays.copyOfRange(d, 1, d.length);
            } else {
                ModelSpec s = ref.readSpec();
                model = ref.load(s, b);
                input = s.input();
            }
            GradCommand.createParent(out);
            OnnxExport.write(model, input, out);
        } catch (OnnxException e) {
            throw new BadInputException("--checkpoint: " + e.getMessage(), e);
        }
        String dims = String.join(",", Arrays.stream(input).mapToObj(d -> d < 0 ? "?" : Integer.toString(d)).toList());
        spec.commandLine().getOut().printf("wrote %s: ONNX opset %s, input [batch,%s] float32 in [0, 1], output logits%n", out,
                ref.isOnnx() ? "of the source file" : Integer.toString(OnnxExport.OPSET), dims);
        return Lipreg.OK;
    }
}
