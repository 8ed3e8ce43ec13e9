package dev.lipreg.cli;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * ONNX files where the CLI takes a model. An imported model must take the images
 * as LipReg feeds them: float32 [N,C,H,W], pixel/255 in [0, 1], no mean/std
 * normalisation (put any normalisation inside the exported graph), and return
 * logits [N, classes] (a final Softmax/LogSoftmax is dropped on import).
 */
final class OnnxModels {
    static final String ASSUMPTION = "float32 [N,C,H,W] images scaled to [0, 1] (pixel/255, no mean/std normalisation) → [N, classes]";

    private OnnxModels() {
    }

    static boolean isOnnx(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /** Loads {@code file} in the current scope, in evaluation mode; bad files are the option's error. */
    static OnnxModel load(String option, Path file, Backend backend) {
        if (!Files.isRegularFile(file)) throw BadInputException.of(option, "an ONNX model file", file + " (no such file)");
        try {
            return OnnxModel.load(file, backend);
        } catch (OnnxException e) {
            throw new BadInputException(option + ": " + e.getMessage(), e);
        }
    }

    /** The declared [C,H,W] of an image model (null when the file declares none). */
    static int[] chw(OnnxModel m) {
        int[] d = m.inputDims();
        if (d == null || d.length != 4 || d[1] < 1 || d[2] < 1 || d[3] < 1) return null;
        return new int[]{d[1], d[2], d[3]};
    }

    /** The output dims of a probe pass on one zero image [C,H,W]. */
    static int[] outputDims(String option, OnnxModel m, int[] chw) {
        try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            Backend b = m.parameters().values().stream().findFirst().map(Variable::backend).orElseThrow(
                    () -> new BadInputException(option + ": " + m.name() + " has no parameters"));
            return m.forward(Variable.constant(b.full(Shape.of(1, chw[0], chw[1], chw[2]), DType.FLOAT32, 0))).shape().dims();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + ": " + m.name() + " does not run on " + Arrays.toString(chw) + " images: " + e.getMessage(), e);
        }
    }

    /** Checks that the model takes images [C,H,W] and returns {@code classes} logits, by one probe pass. */
    static void checkFits(String option, OnnxModel m, int[] chw, int classes) {
        int[] d = m.inputDims();
        if (d != null && (d.length != 4 || (d[1] > 0 && d[1] != chw[0]) || (d[2] > 0 && d[2] != chw[1]) || (d[3] > 0 && d[3] != chw[2]))) {
            throw new BadInputException(option + ": " + m.name() + " takes input " + Arrays.toString(d) + " (-1: any size), but the data has "
                    + Arrays.toString(chw) + " images; LipReg feeds " + ASSUMPTION);
        }
        int[] out = outputDims(option, m, chw);
        if (out.length != 2 || out[1] != classes) {
            throw new BadInputException(option + ": " + m.name() + " returns " + Arrays.toString(out) + " for one image, but the data has "
                    + classes + " classes; LipReg expects " + ASSUMPTION);
        }
    }
}
