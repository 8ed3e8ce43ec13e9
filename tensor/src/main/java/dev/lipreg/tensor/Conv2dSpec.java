package dev.lipreg.tensor;

/**
 * Geometry of a 2-d convolution, PyTorch conventions: symmetric zero padding,
 * dilation 1 = dense kernel, weights [OC, IC/groups, KH, KW].
 *
 * @param strideH   the vertical stride
 * @param strideW   the horizontal stride
 * @param padH      the zero padding at top and bottom
 * @param padW      the zero padding at left and right
 * @param dilationH the vertical dilation
 * @param dilationW the horizontal dilation
 * @param groups    the groups (channels in and out divisible by it)
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {

    /** Checks the sizes; messages name conv2d. */
    public Conv2dSpec {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("conv2d: stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + padH + "x" + padW);
        if (dilationH < 1 || dilationW < 1) throw new IllegalArgumentException("conv2d: dilation must be >= 1, got " + dilationH + "x" + dilationW);
        if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be >= 1, got " + groups);
    }

    /**
     * Square stride and padding, no dilation, one group.
     *
     * @param stride  the stride
     * @param padding the padding on each side
     * @return the spec
     */
    public static Conv2dSpec of(int stride, int padding) {
        return new Conv2dSpec(stride, stride, padding, padding, 1, 1, 1);
    }

    /**
     * Square stride, padding and dilation, with groups.
     *
     * @param stride   the stride
     * @param padding  the padding on each side
     * @param dilation the dilation
     * @param groups   the groups
     * @return the spec
     */
    public static Conv2dSpec of(int stride, int padding, int dilation, int groups) {
        return new Conv2dSpec(stride, stride, padding, padding, dilation, dilation, groups);
    }

    /**
     * Output shape for input x [N,C,H,W] and weights w [OC,C/groups,KH,KW]; rejects mismatches.
     *
     * @param x the input's shape
     * @param w the weight's shape
     * @return the output's shape
     */
    public Shape outputShape(Shape x, Shape w) {
        if (x.rank() != 4) throw new IllegalArgumentException("conv2d: input must be [N,C,H,W], got " + x);
        if (w.rank() != 4) throw new IllegalArgumentException("conv2d: weights must be [OC,IC/groups,KH,KW], got " + w);
        int c = x.dim(1), oc = w.dim(0);
        if (c % groups != 0 || oc % groups != 0) {
            throw new IllegalArgumentException("conv2d: channels " + c + " -> " + oc + " not divisible by groups " + groups);
        }
        if (w.dim(1) * groups != c) {
            throw new IllegalArgumentException("conv2d: weights " + w + " expect " + w.dim(1) * groups
                    + " input channels (groups " + groups + "), input " + x + " has " + c);
        }
        int oh = outSize(x.dim(2), w.dim(2), strideH, padH, dilationH);
        int ow = outSize(x.dim(3), w.dim(3), strideW, padW, dilationW);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("conv2d: kernel " + w.dim(2) + "x" + w.dim(3) + " (dilation " + dilationH + "x" + dilationW
                    + ", padding " + padH + "x" + padW + ") larger than input " + x.dim(2) + "x" + x.dim(3));
        }
        return Shape.of(x.dim(0), oc, oh, ow);
    }

    static int outSize(int in, int k, int stride, int pad, int dil) {
        return Math.floorDiv(in + 2 * pad - dil * (k - 1) - 1, stride) + 1;
    }
}
