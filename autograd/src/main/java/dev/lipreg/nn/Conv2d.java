package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Shape;

/** 2-d convolution with weight [out, in/groups, kh, kw] and optional bias [out]. */
public final class Conv2d extends Module {
    private final int in, out, kh, kw;
    private final Conv2dSpec spec;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * A 2-d convolution with weight [out, in/groups, kh, kw].
     *
     * @param init draws the parameters
     * @param in   input channels
     * @param out  output channels
     * @param kh   kernel height
     * @param kw   kernel width
     * @param spec stride, padding, dilation and groups
     * @param bias whether it has a bias
     */
    public Conv2d(Init init, int in, int out, int kh, int kw, Conv2dSpec spec, boolean bias) {
        if (in < 1 || out < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("Conv2d: channels and kernel must be >= 1, got " + in + "->" + out + " kernel " + kh + "x" + kw);
        }
        if (in % spec.groups() != 0 || out % spec.groups() != 0) {
            throw new IllegalArgumentException("Conv2d: channels " + in + "->" + out + " not divisible by groups " + spec.groups());
        }
        this.in = in;
        this.out = out;
        this.kh = kh;
        this.kw = kw;
        this.spec = spec;
        int fanIn = in / spec.groups() * kh * kw;
        this.weight = registerParameter("weight", init.weight(Shape.of(out, in / spec.groups(), kh, kw), fanIn, out / spec.groups() * kh * kw));
        this.bias = bias ? registerParameter("bias", init.bias(out, fanIn)) : null;
    }

    /**
     * Square kernel, stride, padding; dense; with bias.
     *
     * @param init    draws the parameters
     * @param in      input channels
     * @param out     output channels
     * @param kernel  the kernel's side
     * @param stride  the stride
     * @param padding the zero padding on each side
     */
    public Conv2d(Init init, int in, int out, int kernel, int stride, int padding) {
        this(init, in, out, kernel, kernel, Conv2dSpec.of(stride, padding), true);
    }

    /** {@return the weight [out, in/groups, kh, kw]} */
    public Parameter weight() {
        return weight;
    }

    /** {@return the bias [out], or null} */
    public Parameter bias() {
        return bias;
    }

    /** {@return the stride, padding, dilation and groups} */
    public Conv2dSpec spec() {
        return spec;
    }

    @Override
    public Variable forward(Variable x) {
        return Ops.conv2d(x, weight, bias, spec);
    }

    @Override
    public String describe() {
        return "Conv2d(" + in + ", " + out + ", kernel=" + kh + "x" + kw + ", stride=" + spec.strideH() + "x" + spec.strideW()
                + ", padding=" + spec.padH() + "x" + spec.padW()
                + (spec.dilationH() > 1 || spec.dilationW() > 1 ? ", dilation=" + spec.dilationH() + "x" + spec.dilationW() : "")
                + (spec.groups() > 1 ? ", groups=" + spec.groups() : "") + (bias == null ? ", bias=false" : "") + ")";
    }
}
