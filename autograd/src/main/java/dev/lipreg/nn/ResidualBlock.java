package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Conv2dSpec;

/**
 * The basic residual block of ResNet: conv3x3-BN-ReLU-conv3x3-BN plus a
 * shortcut (1x1 conv + BN when the shape changes), then ReLU. With
 * {@code groups > 1} both 3x3 convolutions are grouped: the ResNeXt form of
 * the basic block, used by the paper's ResNeXt-34.
 */
public final class ResidualBlock extends Module {
    private final Conv2d conv1, conv2;
    private final BatchNorm2d bn1, bn2;
    private final Sequential shortcut;
    private final String text;

    /**
     * A basic residual block: two 3x3 convolutions with batch norm, the first with {@code stride} and {@code groups}, plus the shortcut.
     *
     * @param init   draws the parameters
     * @param in     input channels
     * @param out    output channels
     * @param stride the stride of the first convolution
     * @param groups the groups of both convolutions
     */
    public ResidualBlock(Init init, int in, int out, int stride, int groups) {
        this.conv1 = registerModule("conv1", new Conv2d(init, in, out, 3, 3, new Conv2dSpec(stride, stride, 1, 1, 1, 1, groups), false));
        this.bn1 = registerModule("bn1", new BatchNorm2d(init, out));
        this.conv2 = registerModule("conv2", new Conv2d(init, out, out, 3, 3, new Conv2dSpec(1, 1, 1, 1, 1, 1, groups), false));
        this.bn2 = registerModule("bn2", new BatchNorm2d(init, out));
        Sequential projection = Shortcut.projection(init, in, out, stride);
        this.shortcut = projection == null ? null : registerModule("shortcut", projection);
        this.text = "ResidualBlock(" + in + ", " + out + ", stride=" + stride + (groups > 1 ? ", groups=" + groups : "") + ")";
    }

    /** {@return the first convolution} */
    public Conv2d conv1() {
        return conv1;
    }

    /** {@return the batch norm after the first convolution} */
    public BatchNorm2d bn1() {
        return bn1;
    }

    /** {@return the second convolution} */
    public Conv2d conv2() {
        return conv2;
    }

    /** {@return the batch norm after the second convolution} */
    public BatchNorm2d bn2() {
        return bn2;
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
        h = bn2.forward(conv2.forward(h));
        return Shortcut.join(h, shortcut, x);
    }

    @Override
    public String describe() {
        return text;
    }
}
