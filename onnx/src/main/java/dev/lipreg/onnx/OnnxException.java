package dev.lipreg.onnx;

/**
 * A model file LipReg cannot use: malformed, truncated, or using an op, attribute
 * or data type the importer does not support. The message is one line naming the
 * file or node and what was expected.
 */
public class OnnxException extends IllegalArgumentException {
    public OnnxException(String message) {
        super(message);
    }

    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
