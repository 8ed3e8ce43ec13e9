package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Conv2dSpec;

/**
 * The ResNeXt bottleneck (Xie et al.): 1x1 reduce to cardinality·width
 * channels, grouped 3x3 with {@code cardinality} groups, 1x1 expand, each
 * followed by BN, plus a projection shortcut when the shape changes.
 */
public final class BottleneckBlock extends Module {
    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    private final Sequential shortcut;
    private final String text;

    /**
     * A bottleneck block: 1x1 to {@code cardinality}·{@code width} channels, grouped 3x3 with {@code stride}, 1x1 to {@code out}, each with batch norm, plus the shortcut.
     *
     * @param init        draws the parameters
     * @param in          input channels
     * @param out         output channels
     * @param cardinality the groups of the 3x3 convolution
     * @param width       channels per group
     * @param stride      the stride of the 3x3 convolution
     */
    public BottleneckBlock(Init init, int in, int out, int cardinality, int width, int stride) {
        int inner = cardinality * width;
        this.conv1 = registerModule("conv1", new Conv2d(init, in, inner, 1, 1, Conv2dSpec.of(1, 0), false));
        this.bn1 = registerModule("bn1", new BatchNorm2d(init, inner));
        this.conv2 = registerModule("conv2", new Conv2d(init, inner, inner, 3, 3, new Conv2dSpec(stride, stride, 1, 1, 1, 1, cardinality), false));
        this.bn2 = registerModule("bn2", new BatchNorm2d(init, inner));
        this.conv3 = registerModule("conv3", new Conv2d(init, inner, out, 1, 1, Conv2dSpec.of(1, 0), false));
        this.bn3 = registerModule("bn3", new BatchNorm2d(init, out));
        Sequential projection = Shortcut.projection(init, in, out, stride);
        this.shortcut = projection == null ? null : registerModule("shortcut", projection);
        this.text = "BottleneckBlock(" + in + ", " + out + ", cardinality=" + cardinality + ", width=" + width + ", stride=" + stride + ")";
    }

    /** {@return the first 1x1 convolution} */
    public Conv2d conv1() {
        return conv1;
    }

    /** {@return the batch norm after the first convolution} */
    public BatchNorm2d bn1() {
        return bn1;
    }

    /** {@return the grouped 3x3 convolution} */
    public Conv2d conv2() {
        return conv2;
    }

    /** {@return the batch norm after the grouped convolution} */
    public BatchNorm2d bn2() {
        return bn2;
    }

    /** {@return the last 1x1 convolution} */
    public Conv2d conv3() {
        return conv3;
    }

    /** {@return the batch norm after the last convolution} */
    public BatchNorm2d bn3() {
        return bn3;
    }

    /** {@return the projection shortcut's convolution, or null when the shortcut is the identity} */
    public Conv2d shortcutConv() {
        return Shortcut.conv(shortcut);
    }

    /** {@return the projection shortcut's batch norm, or null when the shortcut is the identity} */
    public BatchNorm2d shortcutBn() {
        return Shortcut.bn(shortcut);
    }

    @Override
    public Variable forward(Variable x) {
        Variable h = Ops.relu(bn1.forward(conv1.forward(x)));
        h = Ops.relu(bn2.forward(conv2.forward(h)));
        h = bn3.forward(conv3.forward(h));
        return Shortcut.join(h, shortcut, x);
    }

    @Override
    public String describe() {
        return text;
    }
}
