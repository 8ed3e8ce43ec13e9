package dev.lipreg.tensor;

/**
 * Geometry of 2-d pooling, PyTorch conventions (floor mode). Padding counts as
 * -inf for max pooling; for average pooling {@code countIncludePad} decides
 * whether padded zeros count in the divisor (PyTorch's default: they do).
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean countIncludePad) {

    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1) throw new IllegalArgumentException("pool2d: kernel must be >= 1, got " + kernelH + "x" + kernelW);
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("pool2d: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException("pool2d: padding must be in [0, kernel/2], got " + padH + "x" + padW
                    + " for kernel " + kernelH + "x" + kernelW);
        }
    }

    /** Square window, stride = kernel, no padding (nn.MaxPool2d(k)). */
    public static Pool2dSpec of(int kernel) {
        return new Pool2dSpec(kernel, kernel, kernel, kernel, 0, 0, true);
    }

    public static Pool2dSpec of(int kernel, int stride, int padding) {
        return new Pool2dSpec(kernel, kernel, stride, stride, padding, padding, true);
    }

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
