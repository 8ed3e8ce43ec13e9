package dev.lipreg.tensor;

/**
 * Geometry of 2-d pooling, PyTorch conventions (floor mode). Padding counts as
 * -inf for max pooling; for average pooling {@code countIncludePad} decides
 * whether padded zeros count in the divisor (PyTorch's default: they do).
 *
 * @param kernelH         the window's height
 * @param kernelW         the window's width
 * @param strideH         the vertical stride
 * @param strideW         the horizontal stride
 * @param padH            the padding at top and bottom, at most half the window
 * @param padW            the padding at left and right, at most half the window
 * @param countIncludePad whether average pooling divides by the full window, padding included
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {

    /** Checks the sizes; messages name pool2d. */
    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1) throw new IllegalArgumentException("pool2d: kernel must be >= 1, got " + kernelH + "x" + kernelW);
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("pool2d: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException("pool2d: padding must be in [0, kernel/2], got " + padH + "x" + padW
                    + " for kernel " + kernelH + "x" + kernelW);
        }
    }

    /**
     * Square window, stride = kernel, no padding (nn.MaxPool2d(k)).
     *
     * @param kernel the window's side
     * @return the spec
     */
    public static Pool2dSpec of(int kernel) {
        return new Pool2dSpec(kernel, kernel, kernel, kernel, 0, 0, true);
    }

    /**
     * A square window with the given stride and padding (padding counted by average pooling).
     *
     * @param kernel  the window's side
     * @param stride  the stride
     * @param padding the padding on each side
     * @return the spec
     */
    public static Pool2dSpec of(int kernel, int stride, int padding) {
        return new Pool2dSpec(kernel, kernel, stride, stride, padding, padding, true);
    }

    /**
     * The output shape for input x [N,C,H,W]; rejects windows larger than the padded input.
     *
     * @param x the input's shape
     * @return the output's shape
     */
    public Shape outputShape(Shape x) {
        if (x.rank() != 4) throw new IllegalArgumentException("pool2d: input must be [N,C,H,W], got " + x);
        int oh = Math.floorDiv(x.dim(2) + 2 * padH - kernelH, strideH) + 1;
        int ow = Math.floorDiv(x.dim(3) + 2 * padW - kernelW, strideW) + 1;
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("pool2d: window " + kernelH + "x" + kernelW + " larger than input " + x);
        }
        return Shape.of(x.dim(0), x.dim(1), oh, ow);
    }
}
