package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Conv2dSpec;

/**
 * The skip path of the residual blocks: the identity, or a projection (strided
 * 1x1 convolution then batch norm, registered as "shortcut.0", "shortcut.1")
 * when the block changes the shape.
 */
final class Shortcut {
    private Shortcut() {
    }

    /** The projection for a block from {@code in} to {@code out} channels at {@code stride}, or null for the identity. */
    static Sequential projection(Init init, int in, int out, int stride) {
        if (stride == 1 && in == out) return null;
        return Sequential.of(new Conv2d(init, in, out, 1, 1, Conv2dSpec.of(stride, 0), false), new BatchNorm2d(init, out));
    }

    static Conv2d conv(Sequential projection) {
        return projection == null ? null : (Conv2d) projection.layers().get(0);
    }

    static BatchNorm2d bn(Sequential projection) {
        return projection == null ? null : (BatchNorm2d) projection.layers().get(1);
    }

    /** relu(branch + skip(x)). */
    static Variable join(Variable branch, Sequential projection, Variable x) {
        Variable skip = projection == null ? x : projection.forward(x);
        return Ops.relu(Ops.add(branch, skip));
    }
}
