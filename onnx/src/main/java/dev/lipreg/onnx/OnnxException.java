package dev.lipreg.onnx;

/**
 * A model file LipReg cannot use: malformed, truncated, or using an op, attribute
 * or data type the importer does not support. The message is one line naming the
 * file or node and what was expected; control characters and line breaks that the
 * file's own names carry into it are escaped (backslash, u, four hex digits), so it stays one line.
 */
public class OnnxException extends IllegalArgumentException {
    /**
     * An error with {@code message}, made one line.
     *
     * @param message the problem, naming the file or node
     */
    public OnnxException(String message) {
        super(oneLine(message));
    }

    /**
     * An error with {@code message}, made one line, caused by {@code cause}.
     *
     * @param message the problem, naming the file or node
     * @param cause   the underlying failure
     */
    public OnnxException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    static String oneLine(String message) {
        if (message == null) return null;
        StringBuilder b = new StringBuilder(message.length());
        message.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
