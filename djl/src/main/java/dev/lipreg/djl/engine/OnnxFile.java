package dev.lipreg.djl.engine;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An ONNX classifier file served through LipReg's ONNX import: it must take
 * float32 images [N, C, H, W] (fixed C, H, W) and return logits [N, classes];
 * a final softmax is dropped by the import.
 */
record OnnxFile(Path file) {
    static final String EXTENSION = ".onnx";

    /**
     * The ONNX file {@code path} names, or null when it names none: {@code path}
     * is the file, or a directory with {@code name}.onnx in it.
     */
    static OnnxFile resolve(Path path, String name) {
        if (Files.isRegularFile(path)) return path.getFileName().toString().endsWith(EXTENSION) ? new OnnxFile(path) : null;
        if (name == null || !Files.isDirectory(path)) return null;
        Path named = path.resolve(name.endsWith(EXTENSION) ? name : name + EXTENSION);
        return Files.isRegularFile(named) ? new OnnxFile(named) : null;
    }

    /** Imports the file in the current scope (the import leaves it in evaluation mode). */
    OnnxModel load(Backend backend) {
        return OnnxModel.load(file, backend);
    }

    /** The declared input and, by one probe pass on a zero image, the class count. */
    static Signature signature(OnnxModel m, Backend backend) {
        int[] dims = m.inputDims();
        if (dims == null || dims.length != 4 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1) {
            throw new OnnxException(m.name() + ": expected an input of images [N, C, H, W] with fixed C, H and W, found "
                    + (dims == null ? "no declared shape" : Arrays.toString(dims).replace("-1", "?")));
        }
        int[] chw = {dims[1], dims[2], dims[3]};
        try (GradMode.Restore off = GradMode.disabled()) {
            Variable y = m.forward(Variable.constant(Tensor.of(backend, new float[chw[0] * chw[1] * chw[2]], 1, chw[0], chw[1], chw[2])));
            if (y.shape().rank() != 2 || y.dim(0) != 1) {
                throw new OnnxException(m.name() + ": expected logits [N, classes], the output of one image is " + y.shape());
            }
            return new Signature(m.name(), chw, y.dim(1));
        }
    }
}
