package dev.lipreg.onnx;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Buffer;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns ONNX nodes into {@link Kernel}s. Float tensors go through autograd
 * {@link Ops}, so every imported model has input gradients and double backprop;
 * integer tensors (shapes, axes, indices) are computed on the host.
 */
final class Converters {
    /** Ops of the default domain this importer converts. */
    static final Set<String> SUPPORTED = new TreeSet<>(List.of(
            "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv",
            "Div", "Dropout", "Elu", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "Identity", "LeakyRelu",
            "LogSoftmax", "MatMul", "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Shape", "Sigmoid", "Slice",
            "Softmax", "Softplus", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze"));

    /** What a converter may look up while compiling. */
    interface Graph {
        int opset();

        /** A running-statistics buffer for a BatchNormalization input, or null when it is not an initializer. */
        Buffer buffer(String name);
    }

    private final NodeProto node;
    private final String where;
    private final Graph graph;

    private Converters(NodeProto node, String where, Graph graph) {
        this.node = node;
        this.where = where;
        this.graph = graph;
    }

    static Kernel compile(NodeProto node, String where, Graph graph) {
        return new Converters(node, where, graph).compile();
    }

    private Attrs attrs(String... known) {
        return new Attrs(node, where, Set.of(known));
    }

    private Kernel compile() {
        String op = node.getOpType();
        return switch (op) {
            case "Add" -> binary(BinaryOp.ADD, Ops::add, Long::sum, Double::sum);
            case "Sub" -> binary(BinaryOp.SUB, Ops::sub, (a, b) -> a - b, (a, b) -> a - b);
            case "Mul" -> binary(BinaryOp.MUL, Ops::mul, (a, b) -> a * b, (a, b) -> a * b);
            case "Div" -> binary(BinaryOp.DIV, Ops::div, this::intDiv, (a, b) -> a / b);
            case "Relu" -> plain(Ops::relu);
            case "Sigmoid" -> plain(Ops::sigmoid);
            case "Tanh" -> plain(Ops::tanh);
            case "Softplus" -> plain(Ops::softplus);
            case "LeakyRelu" -> {
                double a = attrs("alpha").f("alpha", 0.01f);
                yield dense(x -> Ops.leakyRelu(x, a));
            }
            case "Elu" -> {
                double a = attrs("alpha").f("alpha", 1f);
                yield dense(x -> Ops.elu(x, a));
            }
            case "Clip" -> clip();
            case "Identity" -> {
                attrs();
                yield (in, c) -> new Value[]{in[0]};
            }
            case "Dropout" -> dropout();
            case "Conv" -> conv();
            case "MaxPool" -> pool(true);
            case "AveragePool" -> pool(false);
            case "GlobalAveragePool" -> {
                attrs();
                yield dense(x -> {
                    if (x.shape().rank() != 4) throw fail("input must be [N,C,H,W], got " + x.shape());
                    return Ops.mean(x, true, 2, 3);
                });
            }
            case "BatchNormalization" -> batchNorm();
            case "Gemm" -> gemm();
            case "MatMul" -> matmul();
            case "Flatten" -> flatten();
            case "Reshape" -> reshape();
            case "Transpose" -> transpose();
            case "Concat" -> concat();
            case "Squeeze" -> squeeze(false);
            case "Unsqueeze" -> squeeze(true);
            case "Shape" -> shape();
            case "Gather" -> gather();
            case "Slice" -> slice();
            case "Cast" -> cast();
            case "Constant" -> constant();
            case "ConstantOfShape" -> constantOfShape();
            case "Softmax", "LogSoftmax" -> softmax(op.equals("LogSoftmax"));
            case "ReduceMean" -> reduceMean();
            case "Pad" -> padNode();
            default -> throw new OnnxException(where + ": op '" + op + "' is not supported (supported: " + String.join(", ", SUPPORTED) + ")");
        };
    }

    // ------------------------------------------------------------------ helpers

    OnnxException fail(String message) {
        return new OnnxException(where + ": " + message);
    }

    private static Variable v(Value x, Kernel.RunContext c) {
        return x.variable(c.backend());
    }

    private HostTensor host(Value x, String what) {
        if (x == null) throw fail(what + " is missing");
        if (x.isDense()) throw fail(what + " must be a constant or computed from shapes, not from the input's values");
        return x.host();
    }

    private long[] ints(Value x, String what) {
        HostTensor t = host(x, what);
        if (t.isFloat()) throw fail(what + " must be an integer tensor");
        return t.longs();
    }

    private void requireInputs(int min, int max) {
        int n = node.getInputCount();
        if (n < min || n > max) throw fail("takes " + (min == max ? min : min + ".." + max) + " inputs, got " + n);
    }

    private void singleOutput() {
        for (int i = 1; i < node.getOutputCount(); i++) {
            if (!node.getOutput(i).isEmpty()) throw fail("output " + i + " ('" + node.getOutput(i) + "') is not supported");
        }
    }

    private Kernel dense(Function<Variable, Variable> f) {
        requireInputs(1, 1);
        singleOutput();
        return (in, c) -> new Value[]{Value.dense(f.apply(v(in[0], c)))};
    }

    /** An element-wise op without attributes. */
    private Kernel plain(Function<Variable, Variable> f) {
        attrs();
        return dense(f);
    }

    private long intDiv(long a, long b) {
        if (b == 0) throw fail("integer division by zero");
        return a / b;
    }

    private Kernel binary(BinaryOp op, java.util.function.BinaryOperator<Variable> f,
                          java.util.function.LongBinaryOperator il, java.util.function.DoubleBinaryOperator fl) {
        attrs();
        requireInputs(2, 2);
        singleOutput();
        return (in, c) -> {
            if (!in[0].isDense() && !in[1].isDense()) return new Value[]{Value.host(HostMath.apply(in[0].host(), in[1].host(), il, fl, where))};
            return new Value[]{Value.dense(f.apply(v(in[0], c), v(in[1], c)))};
        };
    }

    private static int axis(int axis, int rank, Converters self) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw self.fail("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    // ------------------------------------------------------------------ element-wise

    private Kernel clip() {
        Attrs a = attrs("min", "max");
        requireInputs(1, 3);
        singleOutput();
        double attrMin = a.f("min", Float.NEGATIVE_INFINITY), attrMax = a.f("max", Float.POSITIVE_INFINITY);
        return (in, c) -> {
            double lo = attrMin, hi = attrMax;
            if (in.length > 1 && in[1] != null) lo = scalar(in[1], "min");
            if (in.length > 2 && in[2] != null) hi = scalar(in[2], "max");
            return new Value[]{Value.dense(Ops.clamp(v(in[0], c), lo, hi))};
        };
    }

    private double scalar(Value x, String what) {
        HostTensor t = host(x, what);
        if (t.size() != 1) throw fail(what + " must be a scalar, got " + t);
        return HostMath.get(t, 0);
    }

    private Kernel dropout() {
        attrs("ratio", "seed", "is_test", "training_mode");
        requireInputs(1, 3);
        for (int i = 1; i < node.getOutputCount(); i++) {
            if (!node.getOutput(i).isEmpty()) throw fail("the dropout mask output is not supported");
        }
        // Inference graph: dropout is the identity (as in ONNX Runtime and PyTorch's eval mode).
        return (in, c) -> new Value[]{in[0]};
    }

    // ------------------------------------------------------------------ convolution and pooling

    /** Resolved 2-d geometry: kernel, strides, dilations and begin/end pads per spatial axis. */
    private record Window(int[] kernel, int[] strides, int[] dilations, int[] pads, String autoPad) {
        /** [top, left, bottom, right] pads for an input of spatial size h×w. */
        int[] padsFor(int h, int w) {
            if (autoPad.equals("NOTSET")) return pads;
            if (autoPad.equals("VALID")) return new int[4];
            int[] in = {h, w};
            int[] p = new int[4];
            for (int i = 0; i < 2; i++) {
                int out = Math.ceilDiv(in[i], strides[i]);
                int total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i]);
                int small = total / 2, big = total - small;
                p[i] = autoPad.equals("SAME_UPPER") ? small : big;
                p[i + 2] = total - p[i];
            }
            return p;
        }
    }

    /** The window attributes; without kernel_shape, {@code unknownKernel} ([-1, -1]: read from the weights) or an error. */
    private Window window(Attrs a, int[] unknownKernel) {
        int[] k = a.intArray("kernel_shape", unknownKernel);
        if (k == null) throw fail("attribute 'kernel_shape' is required");
        if (k.length != 2) throw fail("only 2-d windows are supported, got kernel_shape " + Arrays.toString(k));
        int[] s = a.intArray("strides", new int[]{1, 1});
        int[] d = a.intArray("dilations", new int[]{1, 1});
        int[] p = a.intArray("pads", new int[4]);
        String auto = a.s("auto_pad", "NOTSET");
        if (s.length != 2 || d.length != 2 || p.length != 4) throw fail("strides, dilations and pads must have 2, 2 and 4 values");
        if (!Set.of("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(auto)) {
            throw fail("auto_pad '" + auto + "' is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER are)");
        }
        for (int x : p) if (x < 0) throw fail("negative pads " + Arrays.toString(p) + " are not supported");
        return new Window(k, s, d, p, auto);
    }

    /**
     * Refuses pads that would make x, padded, larger than the import supports (with {@code channels}
     * in place of x's channel count: a conv output), before anything is allocated: a file declaring
     * pads of 10^5 is one clear error, not an out-of-memory. {@code p} in ONNX's layout.
     */
    private void checkPadded(Variable x, int[] p, int channels) {
        int r = x.shape().rank();
        double n = 1;
        for (int axis = 0; axis < r; axis++) n *= (axis == 1 ? channels : x.dim(axis)) + (double) p[axis] + p[axis + r];
        if (n > HostTensor.MAX_ELEMENTS) {
            throw fail("pads " + Arrays.toString(p) + " on input " + x.shape() + " make " + (long) n + " elements, more than the "
                    + HostTensor.MAX_ELEMENTS + " supported");
        }
    }

    /** {@link #checkPadded} for [top, left, bottom, right] pads of x [N,C,H,W]. */
    private void checkPadded2d(Variable x, int[] p, int channels) {
        checkPadded(x, new int[]{0, 0, p[0], p[1], 0, 0, p[2], p[3]}, channels);
    }

    /** Pads the spatial axes of x [N,C,H,W] with {@code value}: [top, left, bottom, right]. */
    private static Variable pad(Variable x, int[] p, double value) {
        return padAxes(x, new int[]{0, 0, p[0], p[1], 0, 0, p[2], p[3]}, value);
    }

    /** Constant padding in ONNX's layout: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
    private static Variable padAxes(Variable x, int[] p, double value) {
        Variable h = x;
        int r = x.shape().rank();
        for (int axis = 0; axis < r; axis++) {
            int before = p[axis], after = p[axis + r];
            if (before == 0 && after == 0) continue;
            List<Variable> parts = new ArrayList<>();
            Backend k = h.backend();
            if (before > 0) parts.add(Variable.constant(k.full(h.shape().withDim(axis, before), h.dtype(), value)));
            parts.add(h);
            if (after > 0) parts.add(Variable.constant(k.full(h.shape().withDim(axis, after), h.dtype(), value)));
            h = Ops.concat(parts, axis);
        }
        return h;
    }

    private Kernel padNode() {
        Attrs a = attrs("mode", "pads", "value");
        requireInputs(1, 4);
        singleOutput();
        String mode = a.s("mode", "constant");
        if (!mode.equals("constant")) throw fail("mode '" + mode + "' is not supported (only constant)");
        long[] attrPads = a.ints("pads");
        double attrValue = a.f("value", 0f);
        return (in, c) -> {
            Variable x = v(in[0], c);
            int r = x.shape().rank();
            long[] pads = in.length > 1 && in[1] != null ? ints(in[1], "the pads input") : attrPads;
            double value = in.length > 2 && in[2] != null ? scalar(in[2], "the constant value") : attrValue;
            if (in.length > 3 && in[3] != null) throw fail("the axes input is not supported");
            if (pads == null || pads.length != 2 * r) throw fail("needs " + 2 * r + " pads for rank " + r);
            int[] p = new int[pads.length];
            for (int i = 0; i < p.length; i++) {
                if (pads[i] < 0 || pads[i] > Integer.MAX_VALUE) throw fail("pads " + Arrays.toString(pads) + " are not supported (only >= 0)");
                p[i] = (int) pads[i];
            }
            checkPadded(x, p, r > 1 ? x.dim(1) : 1);
            return new Value[]{Value.dense(padAxes(x, p, value))};
        };
    }

    private Kernel conv() {
        Attrs a = attrs("kernel_shape", "strides", "dilations", "pads", "auto_pad", "group");
        requireInputs(2, 3);
        singleOutput();
        int groups = a.intValue("group", 1);
        Window win = window(a, new int[]{-1, -1});
        return (in, c) -> {
            Variable x = v(in[0], c), w = v(in[1], c);
            Variable b = in.length > 2 && in[2] != null ? v(in[2], c) : null;
            if (x.shape().rank() != 4 || w.shape().rank() != 4) {
                throw fail("only 2-d convolution is supported: input " + x.shape() + ", weights " + w.shape());
            }
            Window g = win.kernel()[0] < 0 ? new Window(new int[]{w.dim(2), w.dim(3)}, win.strides(), win.dilations(), win.pads(), win.autoPad()) : win;
            if (g.kernel()[0] != w.dim(2) || g.kernel()[1] != w.dim(3)) {
                throw fail("kernel_shape " + Arrays.toString(g.kernel()) + " does not match weights " + w.shape());
            }
            int[] p = g.padsFor(x.dim(2), x.dim(3));
            checkPadded2d(x, p, Math.max(x.dim(1), w.dim(0)));
            boolean symmetric = p[0] == p[2] && p[1] == p[3];
            if (!symmetric) x = pad(x, p, 0);
            int ph = symmetric ? p[0] : 0, pw = symmetric ? p[1] : 0;
            Conv2dSpec spec = new Conv2dSpec(g.strides()[0], g.strides()[1], ph, pw, g.dilations()[0], g.dilations()[1], groups);
            return new Value[]{Value.dense(Ops.conv2d(x, w, b, spec))};
        };
    }

    private Kernel pool(boolean max) {
        Attrs a = max ? attrs("kernel_shape", "strides", "dilations", "pads", "auto_pad", "ceil_mode", "storage_order")
                : attrs("kernel_shape", "strides", "dilations", "pads", "auto_pad", "ceil_mode", "count_include_pad");
        requireInputs(1, 1);
        if (node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()) throw fail("the Indices output is not supported");
        Window win = window(a, null);
        for (int d : win.dilations()) if (d != 1) throw fail("pooling dilations " + Arrays.toString(win.dilations()) + " are not supported (only 1)");
        if (a.i("storage_order", 0) != 0) throw fail("storage_order 1 is not supported");
        boolean ceil = a.i("ceil_mode", 0) != 0;
        boolean includePad = a.i("count_include_pad", 0) != 0;
        return (in, c) -> {
            Variable x = v(in[0], c);
            if (x.shape().rank() != 4) throw fail("input must be [N,C,H,W], got " + x.shape());
            int[] p = win.padsFor(x.dim(2), x.dim(3)).clone();
            checkPadded2d(x, p, x.dim(1));
            int[] k = win.kernel(), s = win.strides();
            if (ceil) {
                int[] size = {x.dim(2), x.dim(3)};
                for (int i = 0; i < 2; i++) {
                    int span = size[i] + p[i] + p[i + 2] - k[i];
                    int floorOut = Math.floorDiv(span, s[i]) + 1, ceilOut = Math.ceilDiv(span, s[i]) + 1;
                    if ((ceilOut - 1) * s[i] >= size[i] + p[i]) ceilOut--;
                    if (ceilOut > floorOut) {
                        if (!max) throw fail("ceil_mode 1 that adds a partial window is supported for MaxPool only");
                        p[i + 2] += (ceilOut - 1) * s[i] + k[i] - (size[i] + p[i] + p[i + 2]);
                    }
                }
            }
            boolean fits = p[0] == p[2] && p[1] == p[3] && 2 * p[0] <= k[0] && 2 * p[1] <= k[1];
            if (!fits) {
                if (!max && !includePad && (p[0] + p[1] + p[2] + p[3]) > 0) {
                    throw fail("asymmetric or oversized pads " + Arrays.toString(p) + " with count_include_pad 0 are not supported");
                }
                x = pad(x, p, max ? Double.NEGATIVE_INFINITY : 0);
                p = new int[4];
            }
            Pool2dSpec spec = new Pool2dSpec(k[0], k[1], s[0], s[1], p[0], p[1], includePad);
            return new Value[]{Value.dense(max ? Ops.maxPool2d(x, spec) : Ops.avgPool2d(x, spec))};
        };
    }

    private Kernel batchNorm() {
        Attrs a = attrs("epsilon", "momentum", "training_mode", "spatial", "is_test");
        requireInputs(5, 5);
        singleOutput();
        if (a.i("training_mode", 0) != 0) throw fail("training_mode 1 is not supported (export the model in eval mode)");
        if (a.i("spatial", 1) != 1) throw fail("spatial 0 is not supported");
        double eps = a.f("epsilon", 1e-5f);
        double momentum = a.f("momentum", 0.9f);
        Buffer mean = graph.buffer(node.getInput(3)), var = graph.buffer(node.getInput(4));
        if (mean == null || var == null) throw fail("the running mean and variance must be initializers");
        return (in, c) -> {
            Variable x = v(in[0], c), gamma = v(in[1], c), beta = v(in[2], c);
            if (x.shape().rank() < 2 || x.dim(1) != mean.value().shape().dim(0)) {
                throw fail("input " + x.shape() + " does not have the " + mean.value().shape().dim(0) + " channels of its statistics");
            }
            if (!c.training()) return new Value[]{Value.dense(Ops.batchNormInference(x, gamma, beta, mean.value(), var.value(), eps))};
            // Fine-tuning: batch statistics, running statistics updated as in PyTorch (ONNX momentum = 1 - PyTorch's).
            Ops.BatchNormOutput out = Ops.batchNorm(x, gamma, beta, eps);
            try (GradMode.Restore off = GradMode.disabled()) {
                Backend k = c.backend();
                long count = x.shape().size() / x.dim(1);
                double unbias = count > 1 ? (double) count / (count - 1) : 1;
                mean.assign(k.binary(BinaryOp.ADD, k.affine(mean.value(), momentum, 0), k.affine(out.mean(), 1 - momentum, 0)));
                var.assign(k.binary(BinaryOp.ADD, k.affine(var.value(), momentum, 0), k.affine(out.variance(), (1 - momentum) * unbias, 0)));
            }
            return new Value[]{Value.dense(out.output())};
        };
    }

    // ------------------------------------------------------------------ linear algebra

    private Kernel gemm() {
        Attrs a = attrs("alpha", "beta", "transA", "transB");
        requireInputs(2, 3);
        singleOutput();
        double alpha = a.f("alpha", 1f), beta = a.f("beta", 1f);
        boolean ta = a.i("transA", 0) != 0, tb = a.i("transB", 0) != 0;
        return (in, c) -> {
            Variable x = v(in[0], c), w = v(in[1], c);
            Variable bias = in.length > 2 && in[2] != null ? v(in[2], c) : null;
            if (x.shape().rank() != 2 || w.shape().rank() != 2) throw fail("A and B must be 2-d, got " + x.shape() + " and " + w.shape());
            if (!ta && tb && alpha == 1 && beta == 1 && (bias == null || bias.shape().rank() == 1)) {
                return new Value[]{Value.dense(Ops.linear(x, w, bias))};
            }
            Variable y = Ops.matmul(x, w, ta, tb);
            if (alpha != 1) y = Ops.scale(y, alpha);
            if (bias != null && beta != 0) y = Ops.add(y, beta == 1 ? bias : Ops.scale(bias, beta));
            return new Value[]{Value.dense(y)};
        };
    }

    private Kernel matmul() {
        attrs();
        requireInputs(2, 2);
        singleOutput();
        return (in, c) -> {
            Variable x = v(in[0], c), w = v(in[1], c);
            if (w.shape().rank() != 2 || x.shape().rank() < 2) {
                throw fail("supported are A of rank >= 2 times a 2-d B, got " + x.shape() + " and " + w.shape());
            }
            if (x.shape().rank() == 2) return new Value[]{Value.dense(Ops.matmul(x, w))};
            int[] d = x.shape().dims();
            int k = d[d.length - 1];
            Variable y = Ops.matmul(Ops.reshape(x, -1, k), w);
            d[d.length - 1] = w.dim(1);
            return new Value[]{Value.dense(Ops.reshape(y, d))};
        };
    }

    // ------------------------------------------------------------------ shapes

    private Kernel flatten() {
        int axisAttr = attrs("axis").intValue("axis", 1);
        requireInputs(1, 1);
        singleOutput();
        return (in, c) -> {
            int[] d = in[0].dims();
            int ax = axisAttr < 0 ? axisAttr + d.length : axisAttr;
            if (ax < 0 || ax > d.length) throw fail("axis " + axisAttr + " out of range for rank " + d.length);
            int outer = 1, inner = 1;
            for (int i = 0; i < ax; i++) outer *= d[i];
            for (int i = ax; i < d.length; i++) inner *= d[i];
            return new Value[]{reshaped(in[0], new int[]{outer, inner}, c)};
        };
    }

    private static Value reshaped(Value x, int[] dims, Kernel.RunContext c) {
        if (x.isDense()) return Value.dense(Ops.reshape(x.variable(c.backend()), Shape.of(dims)));
        return Value.host(HostMath.reshape(x.host(), dims));
    }

    private Kernel reshape() {
        boolean allowZero = attrs("allowzero").i("allowzero", 0) != 0;
        requireInputs(2, 2);
        singleOutput();
        return (in, c) -> {
            long[] target = ints(in[1], "the shape input");
            int[] d = in[0].dims();
            long total = HostTensor.count(d);
            int[] out = new int[target.length];
            int infer = -1;
            long known = 1;
            for (int i = 0; i < target.length; i++) {
                long t = target[i];
                if (t == 0 && !allowZero) {
                    if (i >= d.length) throw fail("shape " + Arrays.toString(target) + " copies dimension " + i + " of " + Arrays.toString(d));
                    t = d[i];
                }
                if (t == -1) {
                    if (infer >= 0) throw fail("shape " + Arrays.toString(target) + " has two -1");
                    infer = i;
                    continue;
                }
                if (t < 0 || t > Integer.MAX_VALUE) throw fail("invalid target shape " + Arrays.toString(target));
                out[i] = (int) t;
                known *= t;
            }
            if (infer >= 0) {
                if (known == 0 || total % known != 0) throw fail("cannot reshape " + Arrays.toString(d) + " to " + Arrays.toString(target));
                out[infer] = (int) (total / known);
            } else if (known != total) {
                throw fail("cannot reshape " + Arrays.toString(d) + " to " + Arrays.toString(target));
            }
            return new Value[]{reshaped(in[0], out, c)};
        };
    }

    private Kernel transpose() {
        int[] perm = attrs("perm").intArray("perm", null);
        requireInputs(1, 1);
        singleOutput();
        return (in, c) -> {
            if (!in[0].isDense()) throw fail("transposing a constant is not supported");
            Variable x = v(in[0], c);
            int r = x.shape().rank();
            int[] p = perm;
            if (p == null) {
                p = new int[r];
                for (int i = 0; i < r; i++) p[i] = r - 1 - i;
            }
            if (p.length != r) throw fail("perm " + Arrays.toString(p) + " does not fit rank " + r);
            return new Value[]{Value.dense(Ops.permute(x, p))};
        };
    }

    private Kernel concat() {
        Attrs a = attrs("axis");
        if (!a.has("axis")) throw fail("attribute 'axis' is required");
        int ax = a.intValue("axis", 0);
        singleOutput();
        return (in, c) -> {
            boolean anyDense = false;
            for (Value x : in) {
                if (x == null) throw fail("an input is missing");
                anyDense |= x.isDense();
            }
            if (!anyDense) return new Value[]{Value.host(HostMath.concat(Arrays.stream(in).map(Value::host).toArray(HostTensor[]::new), ax, where))};
            List<Variable> xs = new ArrayList<>();
            for (Value x : in) xs.add(v(x, c));
            return new Value[]{Value.dense(Ops.concat(xs, axis(ax, xs.getFirst().shape().rank(), this)))};
        };
    }

    private Kernel squeeze(boolean unsqueeze) {
        Attrs a = attrs("axes");
        requireInputs(1, 2);
        singleOutput();
        long[] attrAxes = a.ints("axes");
        return (in, c) -> {
            long[] axes = in.length > 1 && in[1] != null ? ints(in[1], "the axes input") : attrAxes;
            int[] d = in[0].dims();
            List<Integer> out = new ArrayList<>();
            if (unsqueeze) {
                if (axes == null) throw fail("axes are required");
                int r = d.length + axes.length;
                boolean[] inserted = new boolean[r];
                for (long ax : axes) inserted[axis((int) ax, r, this)] = true;
                int j = 0;
                for (int i = 0; i < r; i++) out.add(inserted[i] ? 1 : d[j++]);
            } else {
                boolean[] drop = new boolean[d.length];
                if (axes == null) {
                    for (int i = 0; i < d.length; i++) drop[i] = d[i] == 1;
                } else {
                    for (long ax : axes) {
                        int i = axis((int) ax, d.length, this);
                        if (d[i] != 1) throw fail("cannot squeeze axis " + ax + " of size " + d[i]);
                        drop[i] = true;
                    }
                }
                for (int i = 0; i < d.length; i++) if (!drop[i]) out.add(d[i]);
            }
            return new Value[]{reshaped(in[0], out.stream().mapToInt(Integer::intValue).toArray(), c)};
        };
    }

    private Kernel shape() {
        Attrs a = attrs("start", "end");
        requireInputs(1, 1);
        singleOutput();
        Long start = a.has("start") ? a.i("start", 0) : null, end = a.has("end") ? a.i("end", 0) : null;
        return (in, c) -> {
            int[] d = in[0].dims();
            long[] all = Arrays.stream(d).asLongStream().toArray();
            HostTensor t = HostTensor.ofLongs(all, all.length);
            if (start != null || end != null) t = HostMath.slice1d(t, start == null ? 0 : start, end == null ? all.length : end, 1, where);
            return new Value[]{Value.host(t)};
        };
    }

    private Kernel gather() {
        int ax = attrs("axis").intValue("axis", 0);
        requireInputs(2, 2);
        singleOutput();
        return (in, c) -> {
            HostTensor data = host(in[0], "the data input");
            HostTensor idx = host(in[1], "the indices input");
            if (idx.isFloat()) throw fail("indices must be integers");
            return new Value[]{Value.host(HostMath.gather(data, idx, ax, where))};
        };
    }

    private Kernel slice() {
        attrs();
        requireInputs(3, 5);
        singleOutput();
        return (in, c) -> {
            HostTensor data = host(in[0], "the data input");
            long[] starts = ints(in[1], "starts"), ends = ints(in[2], "ends");
            long[] axes = in.length > 3 && in[3] != null ? ints(in[3], "axes") : new long[]{0};
            long[] steps = in.length > 4 && in[4] != null ? ints(in[4], "steps") : new long[]{1};
            if (starts.length != 1 || ends.length != 1 || axes.length != 1 || steps.length != 1 || (axes[0] != 0 && axes[0] != -1)) {
                throw fail("only slices of one axis of a 1-d constant are supported");
            }
            return new Value[]{Value.host(HostMath.slice1d(data, starts[0], ends[0], steps[0], where))};
        };
    }

    private Kernel cast() {
        int to = attrs("to", "saturate").intValue("to", 0);
        requireInputs(1, 1);
        singleOutput();
        if (to != 1 && to != 6 && to != 7) throw fail("cast to " + HostTensor.typeName(to) + " is not supported (FLOAT, INT32, INT64 are)");
        return (in, c) -> {
            if (in[0].isDense()) {
                if (to != 1) throw fail("casting a float tensor computed from the input to " + HostTensor.typeName(to) + " is not supported");
                return new Value[]{in[0]};
            }
            HostTensor t = in[0].host();
            if (to == 1) {
                float[] f = new float[t.size()];
                for (int i = 0; i < f.length; i++) f[i] = (float) HostMath.get(t, i);
                return new Value[]{Value.host(HostTensor.ofFloats(f, t.dims()))};
            }
            long[] l = new long[t.size()];
            for (int i = 0; i < l.length; i++) {
                double x = HostMath.get(t, i);
                l[i] = to == 6 ? (int) x : (long) x;
            }
            return new Value[]{Value.host(HostTensor.ofLongs(l, t.dims()))};
        };
    }

    private Kernel constant() {
        Attrs a = attrs("value", "value_float", "value_floats", "value_int", "value_ints");
        requireInputs(0, 0);
        singleOutput();
        HostTensor t;
        if (a.has("value")) t = HostTensor.decode(a.raw("value").getT(), where + " value", null);
        else if (a.has("value_float")) t = HostTensor.ofFloats(new float[]{a.f("value_float", 0)});
        else if (a.has("value_floats")) {
            float[] f = a.floats("value_floats");
            t = HostTensor.ofFloats(f, f.length);
        } else if (a.has("value_int")) t = HostTensor.ofLongs(new long[]{a.i("value_int", 0)});
        else if (a.has("value_ints")) {
            long[] l = a.ints("value_ints");
            t = HostTensor.ofLongs(l, l.length);
        } else throw fail("needs one of the attributes value, value_float(s), value_int(s)");
        Value out = Value.host(t);
        return (in, c) -> new Value[]{out};
    }

    private Kernel constantOfShape() {
        Attrs a = attrs("value");
        requireInputs(1, 1);
        singleOutput();
        HostTensor fill = a.has("value") ? HostTensor.decode(a.raw("value").getT(), where + " value", null) : HostTensor.ofFloats(new float[]{0}, 1);
        if (fill.size() != 1) throw fail("value must hold one element");
        return (in, c) -> {
            long[] shape = ints(in[0], "the shape input");
            int[] dims = HostTensor.checkedDims(where, Arrays.stream(shape).boxed().toList());
            int n = (int) HostTensor.count(dims);
            if (fill.isFloat()) {
                float[] f = new float[n];
                Arrays.fill(f, fill.floats()[0]);
                return new Value[]{Value.host(HostTensor.ofFloats(f, dims))};
            }
            long[] l = new long[n];
            Arrays.fill(l, fill.longs()[0]);
            return new Value[]{Value.host(HostTensor.ofLongs(l, dims))};
        };
    }

    private Kernel softmax(boolean log) {
        int ax = attrs("axis").intValue("axis", graph.opset() >= 13 ? -1 : 1);
        requireInputs(1, 1);
        singleOutput();
        boolean coerce2d = graph.opset() < 13;
        return (in, c) -> {
            Variable x = v(in[0], c);
            int r = x.shape().rank();
            int a = axis(ax, r, this);
            if (coerce2d && a != r - 1) {
                // Before opset 13 the input is flattened to 2-d at the axis.
                Shape s = x.shape();
                Variable flat = Ops.reshape(x, (int) s.sizeOf(0, a), (int) s.sizeOf(a, r));
                Variable y = log ? Ops.logSoftmax(flat, 1) : Ops.softmax(flat, 1);
                return new Value[]{Value.dense(Ops.reshape(y, s))};
            }
            return new Value[]{Value.dense(log ? Ops.logSoftmax(x, a) : Ops.softmax(x, a))};
        };
    }

    private Kernel reduceMean() {
        Attrs a = attrs("axes", "keepdims", "noop_with_empty_axes");
        requireInputs(1, 2);
        singleOutput();
        boolean keep = a.i("keepdims", 1) != 0;
        if (a.i("noop_with_empty_axes", 0) != 0) throw fail("noop_with_empty_axes 1 is not supported");
        long[] attrAxes = a.ints("axes");
        return (in, c) -> {
            Variable x = v(in[0], c);
            long[] axes = in.length > 1 && in[1] != null ? ints(in[1], "the axes input") : attrAxes;
            int r = x.shape().rank();
            int[] ax;
            if (axes == null || axes.length == 0) {
                ax = new int[r];
                for (int i = 0; i < r; i++) ax[i] = i;
            } else {
                ax = Arrays.stream(axes).mapToInt(v -> axis((int) v, r, this)).sorted().toArray();
            }
            return new Value[]{Value.dense(Ops.mean(x, keep, ax))};
        };
    }

}
