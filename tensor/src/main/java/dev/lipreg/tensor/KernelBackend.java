package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The shape every backend shares, written once: each public op is final and
 * checks that its tensors belong to this backend and have a dtype it computes
 * in, validates its arguments with {@link OpChecks} (which also gives the
 * output shape), allocates the output, answers empty and degenerate cases
 * (empty outputs, zero-length inner dimensions) without a kernel, and — for
 * backends built {@code serialized} — holds the backend's monitor, so the
 * kernels of one instance never run concurrently. Only then does it call the
 * protected kernel hook, with validated shapes and a preallocated output the
 * hook must fill completely.
 *
 * <p>A backend therefore holds only its kernels: adding an op means one check
 * in {@code OpChecks}, one final method and hook here, one kernel per backend
 * and one case in the backend contract test.
 */
public abstract class KernelBackend implements Backend {
    private final boolean serialized;
    private final boolean float32Only;

    /**
     * A backend with the given policies; subclasses supply the kernels.
     *
     * @param serialized  whether ops on one instance run one at a time (native
     *                    backends whose primitives share memory or a stream)
     * @param float32Only whether compute ops take FLOAT32 only and FLOAT64 is
     *                    refused even in memory ops; otherwise compute ops take
     *                    any floating dtype (the reference backend)
     */
    protected KernelBackend(boolean serialized, boolean float32Only) {
        this.serialized = serialized;
        this.float32Only = float32Only;
    }

    // ================================================================= policy

    /**
     * Why a FLOAT32-only backend refuses FLOAT64.
     *
     * @param backend the backend's name
     * @return the message
     */
    public static String float64Message(String backend) {
        return backend + " backend computes in FLOAT32; use the reference backend for FLOAT64";
    }

    /** Refuses a dtype that compute ops do not take. */
    private void checkComputeType(String op, Tensor t) {
        checkStorable(op, t.dtype());
        DType d = t.dtype();
        if (float32Only ? d != DType.FLOAT32 : !d.isFloating()) {
            throw new IllegalArgumentException(op + ": expected a " + (float32Only ? "FLOAT32" : "floating") + " tensor, got " + d + t.shape());
        }
    }

    /** Refuses a dtype that cannot even be stored here. */
    private void checkStorable(String op, DType dtype) {
        if (float32Only && dtype == DType.FLOAT64) throw new IllegalArgumentException(op + ": " + float64Message(name()));
    }

    /** Called whenever a tensor is checked: a closed backend throws. */
    protected void checkOpen() {
    }

    /**
     * Runs {@code op} under this backend's monitor when it is serialized, for
     * subclass methods outside the public ops that touch the kernels' state.
     *
     * @param <T> the result's type
     * @param op  the work
     * @return what {@code op} returns
     */
    protected final <T> T locked(Supplier<T> op) {
        if (!serialized) return op.get();
        synchronized (this) {
            return op.get();
        }
    }

    /** {@link #locked(Supplier)}, timed as {@code name} when {@link OpProfile} is on. */
    private <T> T locked(String name, Supplier<T> op) {
        long t0 = OpProfile.start();
        try {
            return locked(op);
        } finally {
            OpProfile.stop(name, t0);
        }
    }

    /**
     * {@link #locked(Supplier)} for subclass work outside the public ops, timed as
     * {@code name} when {@link OpProfile} is on.
     *
     * @param name the name the profile gives it
     * @param op   the work
     */
    protected final void locked(String name, Runnable op) {
        locked(name, () -> {
            op.run();
            return null;
        });
    }

    private void own(Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException("tensor " + t.dtype() + t.shape() + " belongs to backend '" + t.backend().name()
                    + "'" + (t.backend().getClass() == getClass() ? " (another instance)" : "")
                    + ", not this '" + name() + "' backend: move it with tensor.to(backend)");
        }
        checkOpen();
    }

    /** Compute ops: tensors of this backend, of one dtype it computes in. */
    private void compute(String op, Tensor... ts) {
        DType d = null;
        for (Tensor t : ts) {
            if (t == null) continue;
            own(t);
            checkComputeType(op, t);
            if (d != null && t.dtype() != d) throw new IllegalArgumentException(op + ": mixed dtypes " + d + " and " + t.dtype());
            d = t.dtype();
        }
    }

    private void storable(String op, Tensor t) {
        own(t);
        checkStorable(op, t.dtype());
    }

    private static Shape shapeOf(Tensor t) {
        return t == null ? null : t.shape();
    }

    // ================================================================= memory

    @Override
    public final Tensor empty(Shape shape, DType dtype) {
        checkStorable("empty", dtype);
        return locked("empty", () -> allocate(shape, dtype));
    }

    @Override
    public final Tensor full(Shape shape, DType dtype, double value) {
        checkStorable("full", dtype);
        return locked("full", () -> {
            Tensor t = allocate(shape, dtype);
            fillKernel(t, value);
            return t;
        });
    }

    @Override
    public final Tensor fromHost(MemorySegment host, Shape shape, DType dtype) {
        checkStorable("fromHost", dtype);
        OpChecks.hostBytes(host, shape, dtype);
        return locked("fromHost", () -> {
            Tensor t = allocate(shape, dtype);
            if (t.byteSize() > 0) uploadKernel(host, t);
            return t;
        });
    }

    @Override
    public final MemorySegment toHost(Tensor t) {
        own(t);
        return locked("toHost", () -> downloadKernel(t));
    }

    @Override
    public final Tensor copy(Tensor x) {
        own(x);
        return locked("copy", () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            if (x.byteSize() > 0) copyKernel(x, y);
            return y;
        });
    }

    @Override
    public final Tensor cast(Tensor x, DType to) {
        own(x);
        checkStorable("cast", to);
        if (x.dtype() == to) return copy(x);
        return locked("cast", () -> {
            Tensor y = allocate(x.shape(), to);
            if (y.size() > 0) castKernel(x, y);
            return y;
        });
    }

    @Override
    public final void copyInto(Tensor dst, Tensor src) {
        own(dst);
        own(src);
        OpChecks.copyInto(dst, src);
        if (src.byteSize() > 0) locked("copyInto", () -> copyKernel(src, dst));
    }

    @Override
    public final void addScaledInto(Tensor dst, double keep, Tensor x, double scale) {
        compute("addScaledInto", dst, x);
        OpChecks.sameShape("addScaledInto", dst, x);
        if (x.size() > 0) locked("addScaledInto", () -> addScaledIntoKernel(dst, keep, x, scale));
    }

    // ================================================================= element-wise

    @Override
    public final Tensor unary(UnaryOp op, Tensor x, double alpha) {
        compute("unary " + op, x);
        return locked("unary " + op, () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            if (y.size() > 0) unaryKernel(op, x, alpha, y);
            return y;
        });
    }

    @Override
    public final Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha) {
        String name = "unaryBackward " + op;
        compute(name, gy, x);
        Shape shape = OpChecks.sameShape(name, gy, x);
        return locked(name, () -> {
            Tensor gx = allocate(shape, x.dtype());
            if (gx.size() > 0) unaryBackwardKernel(op, gy, x, alpha, gx);
            return gx;
        });
    }

    @Override
    public final Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = "binary " + op;
        compute(name, a, b);
        Shape out = OpChecks.broadcast(name, a.shape(), b.shape());
        return locked(name, () -> {
            Tensor y = allocate(out, a.dtype());
            if (y.size() > 0) binaryKernel(op, a, b, y);
            return y;
        });
    }

    @Override
    public final Tensor affine(Tensor x, double scale, double shift) {
        compute("affine", x);
        return locked("affine", () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            if (y.size() > 0) affineKernel(x, scale, shift, y);
            return y;
        });
    }

    @Override
    public final Tensor clamp(Tensor x, double lo, double hi) {
        compute("clamp", x);
        OpChecks.clamp(lo, hi);
        return locked("clamp", () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            if (y.size() > 0) clampKernel(x, lo, hi, y);
            return y;
        });
    }

    // ================================================================= reductions and broadcasting

    @Override
    public final Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        String name = "reduce " + op;
        compute(name, x);
        OpChecks.Reduction r = OpChecks.reduce(name, x.shape(), axes, keepDims);
        return locked(name, () -> {
            Tensor y = allocate(r.output(), x.dtype());
            if (y.size() == 0) return y;
            if (x.size() == 0) {
                fillKernel(y, identity(op)); // a reduction over no elements
            } else {
                reduceKernel(op, x, r.reduced(), y);
            }
            return y;
        });
    }

    /** The value of {@code op} over no elements. */
    private static double identity(ReduceOp op) {
        return switch (op) {
            case MEAN -> Double.NaN;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            case SUM, NORM_L1, NORM_L2, NORM_LINF -> 0;
        };
    }

    @Override
    public final Tensor argmax(Tensor x, int axis) {
        compute("argmax", x);
        int a = OpChecks.argmax(x.shape(), axis);
        return locked("argmax", () -> {
            Tensor y = allocate(x.shape().without(a), DType.INT64);
            if (y.size() > 0) argmaxKernel(x, a, y);
            return y;
        });
    }

    @Override
    public final Tensor broadcastTo(Tensor x, Shape shape) {
        storable("broadcastTo", x);
        Shape out = OpChecks.broadcastTo(x.shape(), shape);
        return locked("broadcastTo", () -> {
            Tensor y = allocate(out, x.dtype());
            if (y.size() > 0) broadcastKernel(x, y);
            return y;
        });
    }

    // ================================================================= linear algebra

    @Override
    public final Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        compute("matmul", a, b);
        Shape out = OpChecks.matmul(a.shape(), b.shape(), transA, transB);
        int k = transA ? a.dim(0) : a.dim(1);
        return locked("matmul", () -> {
            Tensor c = allocate(out, a.dtype());
            if (c.size() == 0) return c;
            if (k == 0) fillKernel(c, 0);
            else matmulKernel(a, b, transA, transB, c);
            return c;
        });
    }

    @Override
    public final Tensor linear(Tensor x, Tensor w, Tensor bias) {
        compute("linear", x, w, bias);
        Shape out = OpChecks.linear(x.shape(), w.shape(), shapeOf(bias));
        return locked("linear", () -> {
            Tensor y = allocate(out, x.dtype());
            if (y.size() == 0) return y;
            if (x.dim(1) == 0) zerosPlusBias(y, bias, 1);
            else linearKernel(x, w, bias, y);
            return y;
        });
    }

    /** Fills y with zeros plus {@code bias} along {@code axis}: the degenerate layers with nothing to sum. */
    private void zerosPlusBias(Tensor y, Tensor bias, int axis) {
        fillKernel(y, 0);
        if (bias == null) return;
        int[] d = new int[y.rank() - axis];
        java.util.Arrays.fill(d, 1);
        d[0] = bias.dim(0);
        binaryKernel(BinaryOp.ADD, y, bias.reshape(d), y);
    }

    // ================================================================= convolution

    @Override
    public final Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        compute("conv2d", x, w, bias);
        Shape out = OpChecks.conv2d(x.shape(), w.shape(), shapeOf(bias), spec);
        return locked("conv2d", () -> {
            Tensor y = allocate(out, x.dtype());
            if (y.size() == 0) return y;
            if (x.dim(1) == 0 || w.size() == 0) zerosPlusBias(y, bias, 1);
            else conv2dKernel(x, w, bias, spec, y);
            return y;
        });
    }

    @Override
    public final Tensor conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, Conv2dSpec spec) {
        compute("conv2dBackwardData", gy, w);
        Shape out = OpChecks.conv2dGradient("conv2dBackwardData", gy.shape(), xShape, w.shape(), spec);
        return locked("conv2dBackwardData", () -> {
            Tensor gx = allocate(xShape, gy.dtype());
            if (gx.size() == 0) return gx;
            if (out.size() == 0 || w.size() == 0) fillKernel(gx, 0);
            else conv2dBackwardDataKernel(gy, w, spec, gx);
            return gx;
        });
    }

    @Override
    public final Tensor conv2dBackwardWeights(Tensor x, Tensor gy, Shape wShape, Conv2dSpec spec) {
        compute("conv2dBackwardWeights", x, gy);
        Shape out = OpChecks.conv2dGradient("conv2dBackwardWeights", gy.shape(), x.shape(), wShape, spec);
        return locked("conv2dBackwardWeights", () -> {
            Tensor gw = allocate(wShape, x.dtype());
            if (gw.size() == 0) return gw;
            if (out.size() == 0) fillKernel(gw, 0);
            else conv2dBackwardWeightsKernel(x, gy, spec, gw);
            return gw;
        });
    }

    @Override
    public final Conv2dGradients conv2dBackward(Tensor x, Tensor w, Tensor gy, Conv2dSpec spec) {
        compute("conv2dBackward", x, w, gy);
        Shape out = OpChecks.conv2dGradient("conv2dBackward", gy.shape(), x.shape(), w.shape(), spec);
        if (out.size() == 0 || x.size() == 0 || w.size() == 0) { // the separate ops' empty cases
            return new Conv2dGradients(conv2dBackwardData(gy, w, x.shape(), spec), conv2dBackwardWeights(x, gy, w.shape(), spec));
        }
        return locked("conv2dBackward", () -> {
            Tensor gx = allocate(x.shape(), x.dtype()), gw = allocate(w.shape(), x.dtype());
            conv2dBackwardKernel(x, w, gy, spec, gx, gw);
            return new Conv2dGradients(gx, gw);
        });
    }

    // ================================================================= pooling

    @Override
    public final MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec) {
        compute("maxPool2d", x);
        Shape out = OpChecks.pool(x.shape(), spec);
        return locked("maxPool2d", () -> {
            Tensor y = allocate(out, x.dtype()), indices = allocate(out, DType.INT32);
            if (out.size() > 0) maxPool2dKernel(x, spec, y, indices);
            return new MaxPoolResult(y, indices);
        });
    }

    @Override
    public final Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec) {
        compute("maxPool2dBackward", gy);
        own(indices);
        OpChecks.poolIndices("maxPool2dBackward", gy.shape(), indices, OpChecks.pool(xShape, spec));
        return locked("maxPool2dBackward", () -> {
            Tensor gx = allocate(xShape, gy.dtype());
            if (gx.size() == 0) return gx;
            if (gy.size() == 0) fillKernel(gx, 0);
            else maxPool2dBackwardKernel(gy, indices, gx);
            return gx;
        });
    }

    @Override
    public final Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec) {
        compute("maxPool2dGather", gx);
        own(indices);
        Shape out = OpChecks.pool(gx.shape(), spec);
        OpChecks.poolIndices("maxPool2dGather", indices.shape(), indices, out);
        return locked("maxPool2dGather", () -> {
            Tensor y = allocate(out, gx.dtype());
            if (y.size() > 0) maxPool2dGatherKernel(gx, indices, y);
            return y;
        });
    }

    @Override
    public final Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        compute("avgPool2d", x);
        Shape out = OpChecks.pool(x.shape(), spec);
        return locked("avgPool2d", () -> {
            Tensor y = allocate(out, x.dtype());
            if (y.size() > 0) avgPool2dKernel(x, spec, y);
            return y;
        });
    }

    @Override
    public final Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec) {
        compute("avgPool2dBackward", gy);
        Shape out = OpChecks.poolGradient("avgPool2dBackward", gy.shape(), xShape, spec);
        return locked("avgPool2dBackward", () -> {
            Tensor gx = allocate(xShape, gy.dtype());
            if (gx.size() == 0) return gx;
            if (out.size() == 0) fillKernel(gx, 0);
            else avgPool2dBackwardKernel(gy, spec, gx);
            return gx;
        });
    }

    // ================================================================= softmax

    @Override
    public final Tensor softmax(Tensor x, int axis) {
        return softmax("softmax", x, axis, false);
    }

    @Override
    public final Tensor logSoftmax(Tensor x, int axis) {
        return softmax("logSoftmax", x, axis, true);
    }

    private Tensor softmax(String name, Tensor x, int axis, boolean log) {
        compute(name, x);
        int a = OpChecks.axis(name, x.shape(), axis);
        return locked(name, () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            if (y.size() > 0) softmaxKernel(x, a, log, y);
            return y;
        });
    }

    @Override
    public final Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis) {
        compute("logSoftmaxBackward", gy, y);
        OpChecks.sameShape("logSoftmaxBackward", gy, y);
        int a = OpChecks.axis("logSoftmaxBackward", y.shape(), axis);
        return locked("logSoftmaxBackward", () -> {
            Tensor gx = allocate(y.shape(), y.dtype());
            if (gx.size() > 0) logSoftmaxBackwardKernel(gy, y, a, gx);
            return gx;
        });
    }

    // ================================================================= batch norm

    @Override
    public final BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps) {
        compute("batchNormTraining", x, gamma, beta);
        int c = OpChecks.channels("batchNormTraining", x, gamma, beta);
        return locked("batchNormTraining", () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            Tensor mean = allocate(Shape.of(c), x.dtype()), variance = allocate(Shape.of(c), x.dtype());
            batchNormTrainingKernel(x, gamma, beta, eps, y, mean, variance);
            return new BatchNormResult(y, mean, variance);
        });
    }

    @Override
    public final BatchNormGradients batchNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, double eps) {
        compute("batchNormBackward", x, gamma, mean, variance, gy);
        int c = OpChecks.channels("batchNormBackward", x, gamma, mean, variance);
        OpChecks.sameShape("batchNormBackward", gy, x);
        return locked("batchNormBackward", () -> {
            Tensor gx = allocate(x.shape(), x.dtype());
            Tensor gGamma = allocate(Shape.of(c), x.dtype()), gBeta = allocate(Shape.of(c), x.dtype());
            batchNormBackwardKernel(x, gamma, mean, variance, gy, eps, gx, gGamma, gBeta);
            return new BatchNormGradients(gx, gGamma, gBeta);
        });
    }

    @Override
    public final BatchNormSecondOrder batchNormDoubleBackward(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, Tensor u,
                                                            double eps) {
        compute("batchNormDoubleBackward", x, gamma, mean, variance, gy, u);
        int c = OpChecks.channels("batchNormDoubleBackward", x, gamma, mean, variance);
        OpChecks.sameShape("batchNormDoubleBackward", gy, x);
        OpChecks.sameShape("batchNormDoubleBackward", u, x);
        return locked("batchNormDoubleBackward", () -> {
            Tensor gx = allocate(x.shape(), x.dtype()), gGy = allocate(x.shape(), x.dtype());
            Tensor gGamma = allocate(Shape.of(c), x.dtype());
            batchNormDoubleBackwardKernel(x, gamma, mean, variance, gy, u, eps, gx, gGy, gGamma);
            return new BatchNormSecondOrder(gx, gGy, gGamma);
        });
    }

    @Override
    public final Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps) {
        compute("batchNormInference", x, gamma, beta, mean, variance);
        OpChecks.channels("batchNormInference", x, gamma, beta, mean, variance);
        return locked("batchNormInference", () -> {
            Tensor y = allocate(x.shape(), x.dtype());
            batchNormInferenceKernel(x, gamma, beta, mean, variance, eps, y);
            return y;
        });
    }

    // ================================================================= indexing and layout

    @Override
    public final Tensor oneHot(Tensor labels, int classes, DType dtype) {
        own(labels);
        checkStorable("oneHot", dtype);
        Shape out = OpChecks.oneHot(labels, classes);
        return locked("oneHot", () -> {
            Tensor y = allocate(out, dtype);
            if (labels.size() > 0) oneHotKernel(labels, classes, y); // classes = 0: every label is out of range
            return y;
        });
    }

    @Override
    public final Tensor permute(Tensor x, int... axes) {
        storable("permute", x);
        int[] perm = OpChecks.permutation(x.shape(), axes);
        return locked("permute", () -> {
            Tensor y = allocate(OpChecks.permuted(x.shape(), perm), x.dtype());
            if (y.size() > 0) permuteKernel(x, perm, y);
            return y;
        });
    }

    @Override
    public final Tensor slice(Tensor x, int axis, int start, int end) {
        storable("slice", x);
        int a = OpChecks.slice(x.shape(), axis, start, end);
        return locked("slice", () -> {
            Tensor y = allocate(x.shape().withDim(a, end - start), x.dtype());
            if (y.size() > 0) sliceKernel(x, a, start, y);
            return y;
        });
    }

    @Override
    public final Tensor concat(List<Tensor> xs, int axis) {
        for (Tensor t : xs) own(t);
        Shape out = OpChecks.concat(xs, axis);
        checkStorable("concat", xs.getFirst().dtype());
        int a = out.axis(axis);
        return locked("concat", () -> {
            Tensor y = allocate(out, xs.getFirst().dtype());
            if (y.size() > 0) concatKernel(xs, a, y);
            return y;
        });
    }

    // ================================================================= kernel hooks
    // Each receives checked arguments and a preallocated output that it must fill
    // completely; outputs are never empty unless stated.

    /**
     * An uninitialized tensor in the current scope (may be empty).
     *
     * @param shape its shape
     * @param dtype its element type, one this backend stores
     * @return a tensor of this backend whose contents are undefined
     */
    protected abstract Tensor allocate(Shape shape, DType dtype);

    /**
     * Sets every element (t may be empty).
     *
     * @param t     the tensor to fill
     * @param value the value, converted to t's dtype as a Java cast would
     */
    protected abstract void fillKernel(Tensor t, double value);

    /**
     * Copies host bytes into a non-empty tensor.
     *
     * @param host at least {@code t.byteSize()} bytes in t's dtype, row-major (checked)
     * @param t    the freshly allocated destination
     */
    protected abstract void uploadKernel(MemorySegment host, Tensor t);

    /**
     * A host view or copy of t (t may be empty).
     *
     * @param t a tensor of this backend
     * @return its bytes, row-major, in t's dtype: a view of host memory, else a copy in the current scope
     */
    protected abstract MemorySegment downloadKernel(Tensor t);

    /**
     * Copies all of x's bytes into y (same shape and dtype, non-empty).
     *
     * @param x the source
     * @param y the destination
     */
    protected abstract void copyKernel(Tensor x, Tensor y);

    /**
     * Converts x into y's dtype (float→int truncates and saturates, as Java's cast).
     *
     * @param x the source
     * @param y the destination: x's shape, another dtype
     */
    protected abstract void castKernel(Tensor x, Tensor y);

    /**
     * y = op(x) element-wise, as {@link UnaryOp#apply} defines it.
     *
     * @param op    the function
     * @param x     the input
     * @param alpha the function's parameter (LEAKY_RELU, ELU), ignored by the others
     * @param y     the output, x's shape and dtype
     */
    protected abstract void unaryKernel(UnaryOp op, Tensor x, double alpha, Tensor y);

    /**
     * gx = gy · op'(x) element-wise, as {@link UnaryOp#derivative} defines it.
     *
     * @param op    the function
     * @param gy    the gradient of its output, x's shape
     * @param x     its input
     * @param alpha the function's parameter, if any
     * @param gx    the gradient of its input, x's shape and dtype
     */
    protected abstract void unaryBackwardKernel(UnaryOp op, Tensor gy, Tensor x, double alpha, Tensor gx);

    /**
     * a op b broadcast into y; y may be a itself (in-place use by the degenerate-layer shortcut).
     *
     * @param op the operation, as {@link BinaryOp#apply} defines it
     * @param a  the first operand
     * @param b  the second operand, broadcastable with a
     * @param y  the output, of the broadcast shape
     */
    protected abstract void binaryKernel(BinaryOp op, Tensor a, Tensor b, Tensor y);

    /**
     * y = x · scale + shift element-wise.
     *
     * @param x     the input
     * @param scale the factor
     * @param shift the offset
     * @param y     the output, x's shape and dtype
     */
    protected abstract void affineKernel(Tensor x, double scale, double shift, Tensor y);

    /**
     * dst ← keep·dst + scale·x for non-empty tensors of one shape and dtype. This
     * default composes the backend's affine maps, sum and copy (temporaries in a
     * scope of their own); a backend with a one-pass kernel overrides it.
     *
     * @param dst   the tensor to update
     * @param keep  the factor of dst's old values
     * @param x     the values to add
     * @param scale the factor of x
     */
    protected void addScaledIntoKernel(Tensor dst, double keep, Tensor x, double scale) {
        try (Scope temporaries = Scope.open()) {
            copyKernel(binary(BinaryOp.ADD, affine(dst, keep, 0), affine(x, scale, 0)), dst);
        }
    }

    /**
     * y = min(max(x, lo), hi) element-wise.
     *
     * @param x  the input
     * @param lo the lower bound (checked: lo ≤ hi)
     * @param hi the upper bound
     * @param y  the output, x's shape and dtype
     */
    protected abstract void clampKernel(Tensor x, double lo, double hi, Tensor y);

    /**
     * Reduces the axes flagged in {@code reduced} of a non-empty x.
     *
     * @param op      the reduction
     * @param x       the input
     * @param reduced per axis of x, whether it is reduced
     * @param y       the output, with or without the reduced axes as size 1 (same element order either way)
     */
    protected abstract void reduceKernel(ReduceOp op, Tensor x, boolean[] reduced, Tensor y);

    /**
     * The index of the first maximum along {@code axis}.
     *
     * @param x    the input
     * @param axis the axis, non-negative
     * @param y    INT64 output, x's shape without {@code axis}
     */
    protected abstract void argmaxKernel(Tensor x, int axis, Tensor y);

    /**
     * Repeats x along its size-1 or missing leading axes to fill y.
     *
     * @param x the input
     * @param y the output, of the (checked) broadcast shape, x's dtype
     */
    protected abstract void broadcastKernel(Tensor x, Tensor y);

    /**
     * c = op(a)·op(b) with a non-zero inner dimension.
     *
     * @param a      a matrix
     * @param b      a matrix
     * @param transA whether op(a) is aᵀ
     * @param transB whether op(b) is bᵀ
     * @param c      the product, [rows of op(a), columns of op(b)]
     */
    protected abstract void matmulKernel(Tensor a, Tensor b, boolean transA, boolean transB, Tensor c);

    /**
     * y = x·wᵀ + bias with a non-zero inner dimension; by default a matmul then a broadcast add.
     *
     * @param x    the input [N, in]
     * @param w    the weight [out, in]
     * @param bias the bias [out], or null
     * @param y    the output [N, out]
     */
    protected void linearKernel(Tensor x, Tensor w, Tensor bias, Tensor y) {
        matmulKernel(x, w, false, true, y);
        if (bias != null) binaryKernel(BinaryOp.ADD, y, bias, y);
    }

    /**
     * A convolution with input channels (non-empty input channels and weight).
     *
     * @param x    the input [N, C, H, W]
     * @param w    the weight [O, C/groups, kH, kW]
     * @param bias the bias [O], or null
     * @param spec stride, padding, dilation and groups
     * @param y    the output [N, O, outH, outW]
     */
    protected abstract void conv2dKernel(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor y);

    /**
     * The gradient of a convolution's input: the transposed convolution of gy with w.
     *
     * @param gy   the gradient of the output, non-empty
     * @param w    the weight, non-empty
     * @param spec the convolution's settings
     * @param gx   the gradient of the input, of the input's shape; every element is written
     */
    protected abstract void conv2dBackwardDataKernel(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx);

    /**
     * The gradient of a convolution's weight, summed over the batch.
     *
     * @param x    the convolution's input
     * @param gy   the gradient of its output, non-empty
     * @param spec the convolution's settings
     * @param gw   the gradient of the weight, of the weight's shape
     */
    protected abstract void conv2dBackwardWeightsKernel(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw);

    /**
     * {@link Backend#conv2dBackward} of non-empty tensors. This default runs the two
     * kernels one after the other; a backend that can share work between them overrides it.
     *
     * @param x    the input
     * @param w    the weight
     * @param gy   the gradient of the output
     * @param spec the convolution's settings
     * @param gx   the gradient of the input, x's shape
     * @param gw   the gradient of the weight, w's shape
     */
    protected void conv2dBackwardKernel(Tensor x, Tensor w, Tensor gy, Conv2dSpec spec, Tensor gx, Tensor gw) {
        conv2dBackwardDataKernel(gy, w, spec, gx);
        conv2dBackwardWeightsKernel(x, gy, spec, gw);
    }

    /**
     * Max pooling, recording where each maximum came from.
     *
     * @param x       the input [N, C, H, W]
     * @param spec    the window, stride and padding
     * @param y       the maxima [N, C, outH, outW]
     * @param indices INT32, y's shape: each maximum's position within its H×W input plane
     */
    protected abstract void maxPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y, Tensor indices);

    /**
     * Zeros gx, then scatter-adds gy at the indices (which the kernel range-checks).
     *
     * @param gy      the gradient of the pooled output, non-empty
     * @param indices the positions from {@link #maxPool2dKernel}, gy's shape
     * @param gx      the gradient of the input [N, C, H, W]
     */
    protected abstract void maxPool2dBackwardKernel(Tensor gy, Tensor indices, Tensor gx);

    /**
     * Reads gx at the indices: y[n,c,i] = gx[n,c,indices[n,c,i]] within each H×W plane.
     *
     * @param gx      an input-shaped tensor [N, C, H, W]
     * @param indices the positions from {@link #maxPool2dKernel}
     * @param y       the gathered values, the indices' shape
     */
    protected abstract void maxPool2dGatherKernel(Tensor gx, Tensor indices, Tensor y);

    /**
     * Average pooling; padded positions count in the divisor only when {@code spec.countIncludePad()}.
     *
     * @param x    the input [N, C, H, W]
     * @param spec the window, stride, padding and divisor policy
     * @param y    the output [N, C, outH, outW]
     */
    protected abstract void avgPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y);

    /**
     * The gradient of average pooling's input: each window's gy, divided by the window's divisor, added to every
     * input position the window covers.
     *
     * @param gy   the gradient of the output, non-empty
     * @param spec the pooling's settings
     * @param gx   the gradient of the input [N, C, H, W]; every element is written
     */
    protected abstract void avgPool2dBackwardKernel(Tensor gy, Pool2dSpec spec, Tensor gx);

    /**
     * The softmax or log-softmax along {@code axis}, stable for large inputs (shifted by the maximum).
     *
     * @param x    the input
     * @param axis the axis, non-negative
     * @param log  whether y is the log-softmax
     * @param y    the output, x's shape and dtype
     */
    protected abstract void softmaxKernel(Tensor x, int axis, boolean log, Tensor y);

    /**
     * gx = gy − exp(y) · Σ_axis gy, the gradient of log-softmax's input.
     *
     * @param gy   the gradient of the output
     * @param y    the log-softmax output, gy's shape
     * @param axis the axis, non-negative
     * @param gx   the gradient of the input, y's shape and dtype
     */
    protected abstract void logSoftmaxBackwardKernel(Tensor gy, Tensor y, int axis, Tensor gx);

    /**
     * Training-mode batch norm with the batch's statistics per channel (x may be empty).
     *
     * @param x        the input [N, C, ...]
     * @param gamma    the scale per channel [C]
     * @param beta     the shift per channel [C]
     * @param eps      added to the variance
     * @param y        the output, x's shape
     * @param mean     the batch mean per channel [C]
     * @param variance the biased batch variance per channel [C]
     */
    protected abstract void batchNormTrainingKernel(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor variance);

    /**
     * y = (x − mean)/√(variance + eps)·gamma + beta per channel (x may be empty).
     *
     * @param x        the input [N, C, ...]
     * @param gamma    the scale per channel [C]
     * @param beta     the shift per channel [C]
     * @param mean     the mean per channel [C]
     * @param variance the variance per channel [C]
     * @param eps      added to the variance
     * @param y        the output, x's shape
     */
    protected abstract void batchNormInferenceKernel(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps, Tensor y);

    /**
     * The backward of training-mode batch norm (x non-empty); see
     * {@link Backend#batchNormBackward}. This default composes the backend's own
     * element-wise ops and reductions (temporaries in a scope of their own); a
     * backend with a fused kernel overrides it.
     *
     * @param x        the forward's input [N, C, ...]
     * @param gamma    the scale per channel [C]
     * @param mean     the forward's batch mean per channel [C]
     * @param variance the forward's biased batch variance per channel [C]
     * @param gy       the gradient of the output, x's shape
     * @param eps      the forward's eps
     * @param gx       the gradient of the input, x's shape
     * @param gGamma   the gradient of the scale [C]
     * @param gBeta    the gradient of the shift [C]
     */
    protected void batchNormBackwardKernel(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, double eps,
                                           Tensor gx, Tensor gGamma, Tensor gBeta) {
        try (Scope temporaries = Scope.open()) {
            Normalized n = normalized(x, mean, variance, eps);
            int c = x.dim(1);
            int[] cs = n.channelShape(), axes = n.axes();
            double m = n.perChannel();
            Tensor inv = n.inv(), xHat = n.xHat();
            Tensor sumG = reduce(ReduceOp.SUM, gy, axes, true);
            Tensor sumGxHat = reduce(ReduceOp.SUM, binary(BinaryOp.MUL, gy, xHat), axes, true);
            // gx = γ·inv/m · (m·gy − Σgy − x̂·Σ(gy·x̂))
            Tensor inner = binary(BinaryOp.SUB, binary(BinaryOp.SUB, affine(gy, m, 0), sumG), binary(BinaryOp.MUL, xHat, sumGxHat));
            Tensor factor = affine(binary(BinaryOp.MUL, gamma.reshape(cs), inv), 1 / m, 0);
            copyInto(gx, binary(BinaryOp.MUL, factor, inner));
            copyInto(gGamma, sumGxHat.reshape(c));
            copyInto(gBeta, sumG.reshape(c));
        }
    }

    /** The composite batch-norm kernels' shared terms; temporaries in the caller's scope. */
    private record Normalized(int[] axes, int[] channelShape, double perChannel, Tensor inv, Tensor xHat) {
    }

    /** inv = 1/√(variance + eps) and x̂ = (x − mean)·inv as [1,C,1,...] broadcasts, and the axes but 1. */
    private Normalized normalized(Tensor x, Tensor mean, Tensor variance, double eps) {
        int c = x.dim(1);
        int[] axes = new int[x.rank() - 1];
        for (int i = 1; i < axes.length; i++) axes[i] = i + 1; // 0, 2, 3, ...
        int[] cs = new int[x.rank()];
        Arrays.fill(cs, 1);
        cs[1] = c;
        Tensor inv = unary(UnaryOp.RECIPROCAL, unary(UnaryOp.SQRT, affine(variance, 1, eps), 0), 0).reshape(cs);
        Tensor xHat = binary(BinaryOp.MUL, binary(BinaryOp.SUB, x, mean.reshape(cs)), inv);
        return new Normalized(axes, cs, (double) x.size() / c, inv, xHat);
    }

    /**
     * {@link Backend#batchNormDoubleBackward}. This default composes the backend's own
     * element-wise ops and reductions (temporaries in a scope of their own); a backend
     * with a fused kernel overrides it.
     *
     * @param x        the forward's input [N, C, ...]
     * @param gamma    the scale per channel [C]
     * @param mean     the forward's batch mean per channel [C]
     * @param variance the forward's biased batch variance per channel [C]
     * @param gy       the output gradient the first backward read, x's shape
     * @param u        the gradient of the first backward's input gradient, x's shape
     * @param eps      the forward's eps
     * @param gx       the gradient of x, x's shape
     * @param gGy      the gradient of gy, x's shape
     * @param gGamma   the gradient of the scale [C]
     */
    protected void batchNormDoubleBackwardKernel(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, Tensor u, double eps,
                                                 Tensor gx, Tensor gGy, Tensor gGamma) {
        try (Scope temporaries = Scope.open()) {
            Normalized n = normalized(x, mean, variance, eps);
            int c = x.dim(1);
            int[] cs = n.channelShape(), axes = n.axes();
            double m = n.perChannel();
            Tensor inv = n.inv(), xHat = n.xHat();
            Tensor gMean = reduce(ReduceOp.MEAN, gy, axes, true), uMean = reduce(ReduceOp.MEAN, u, axes, true);
            Tensor cc = reduce(ReduceOp.MEAN, binary(BinaryOp.MUL, gy, xHat), axes, true);
            Tensor d = reduce(ReduceOp.MEAN, binary(BinaryOp.MUL, u, xHat), axes, true);
            Tensor cd = binary(BinaryOp.MUL, cc, d);
            // k = mean(u·gy) − mean(u)·mean(gy) − c·d
            Tensor k = binary(BinaryOp.SUB, binary(BinaryOp.SUB, reduce(ReduceOp.MEAN, binary(BinaryOp.MUL, u, gy), axes, true),
                    binary(BinaryOp.MUL, uMean, gMean)), cd);
            Tensor gammaInv = binary(BinaryOp.MUL, gamma.reshape(cs), inv);
            Tensor uCentered = binary(BinaryOp.SUB, u, uMean);
            copyInto(gGy, binary(BinaryOp.MUL, gammaInv, binary(BinaryOp.SUB, uCentered, binary(BinaryOp.MUL, xHat, d))));
            Tensor inner = binary(BinaryOp.ADD, binary(BinaryOp.ADD,
                            binary(BinaryOp.MUL, xHat, binary(BinaryOp.SUB, k, affine(cd, 2, 0))),
                            binary(BinaryOp.MUL, d, binary(BinaryOp.SUB, gy, gMean))),
                    binary(BinaryOp.MUL, cc, uCentered));
            copyInto(gx, binary(BinaryOp.MUL, affine(binary(BinaryOp.MUL, gammaInv, inv), -1, 0), inner));
            copyInto(gGamma, affine(binary(BinaryOp.MUL, inv, k), m, 0).reshape(c));
        }
    }

    /**
     * Writes the one-hot rows of non-empty labels, refusing a label outside [0, classes).
     *
     * @param labels  integer class indices
     * @param classes the class count (may be 0, then every label is refused)
     * @param y       the rows, labels' shape plus [classes]
     * @throws IllegalArgumentException if a label is outside [0, classes)
     */
    protected abstract void oneHotKernel(Tensor labels, int classes, Tensor y);

    /**
     * Reorders x's axes: output axis i is input axis {@code perm[i]}.
     *
     * @param x    the input
     * @param perm a checked permutation of x's axes
     * @param y    the output, of the permuted shape
     */
    protected abstract void permuteKernel(Tensor x, int[] perm, Tensor y);

    /**
     * Copies elements start .. start + y.dim(axis) − 1 along {@code axis}.
     *
     * @param x     the input
     * @param axis  the axis, non-negative
     * @param start the first index, in range
     * @param y     the slice
     */
    protected abstract void sliceKernel(Tensor x, int axis, int start, Tensor y);

    /**
     * Joins the inputs along {@code axis}, in order.
     *
     * @param xs   the inputs, equal in every other axis (some may be empty)
     * @param axis the axis, non-negative
     * @param y    the output
     */
    protected abstract void concatKernel(List<Tensor> xs, int axis, Tensor y);
}
