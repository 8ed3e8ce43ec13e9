package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Availability;
import dev.lipreg.bindings.Dnnl;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BatchNormGrads;
import dev.lipreg.tensor.BatchNormResult;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.HostMemory;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.OpChecks;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * The oneDNN CPU backend. Tensors are plain row-major host memory allocated in
 * {@link Scope#current()}, exactly as the reference backend's; each op wraps them
 * in oneDNN memory objects and runs a cached primitive (see {@code PrimitiveCache}).
 * Compute ops take FLOAT32 only; INT32 and INT64 work in the memory ops and as
 * labels and indices. Results match {@code ReferenceBackend} up to float32 rounding
 * (see the parity tests for the tolerances), and exactly where the reference
 * defines a discrete choice: ReLU'(0) = 0, first-maximum max-pool indices.
 *
 * <p>What runs where: conv (forward, backward data, backward weights, bias fused),
 * matmul and linear (bias fused), eltwise and its backward, broadcasting binary,
 * reductions, softmax/log-softmax, batch norm, pooling values and average-pooling
 * backward, and strided copies (permute, slice, concat, broadcastTo, int→float)
 * are oneDNN primitives. The backward passes of first-layer convolutions (few
 * input channels, see {@code ColumnConv}) are batched oneDNN matmuls around a Java
 * im2col/col2im. {@code HostLoops} holds what oneDNN cannot express with
 * the reference's semantics: PyTorch's max-pool indices and the scatter/gather
 * through them (split across the OpenMP thread count), argmax, oneHot, fills and
 * truncating float→int casts.
 *
 * <p>Threads: an instance may be shared by threads, but runs one native op at a
 * time (those methods are synchronized), because its cached primitives share
 * memory objects and one stream. Each op already uses every OpenMP thread, so
 * nothing is lost on a small machine; a thread wanting its own stream can
 * {@link #create()} its own backend (tensors then belong to that instance). Note
 * that OpenMP keeps one thread team per calling thread: prefer few calling threads.
 *
 * <p>Lifetime: {@link #instance()} is the JVM-wide backend; its {@link #close()}
 * only frees the cached primitives (they are rebuilt on demand). An instance from
 * {@link #create()} also destroys its engine and stream on close.
 */
public final class DnnlBackend implements Backend, AutoCloseable {
    static final String FLOAT64_MESSAGE = "dnnl backend computes in FLOAT32; use the reference backend for FLOAT64";

    private final DnnlContext ctx;
    private final boolean shared;
    private final Eltwise eltwise;
    private final Binary binary;
    private final Reduction reduction;
    private final Matmul matmul;
    private final Conv conv;
    private final ColumnConv columnConv;
    private final Pool pool;
    private final Softmax softmax;
    private final BatchNorm batchNorm;
    private final Reorders reorders;

    private DnnlBackend(boolean shared) {
        this.ctx = new DnnlContext();
        this.shared = shared;
        this.eltwise = new Eltwise(ctx);
        this.binary = new Binary(ctx);
        this.matmul = new Matmul(ctx);
        this.reduction = new Reduction(ctx, eltwise, matmul);
        this.conv = new Conv(ctx);
        this.columnConv = new ColumnConv(matmul);
        this.pool = new Pool(ctx);
        this.softmax = new Softmax(ctx);
        this.batchNorm = new BatchNorm(ctx);
        this.reorders = new Reorders(ctx);
    }

    /** Built on first use; a failure to load oneDNN is kept and rethrown with its advice. */
    private static final class Shared {
        static final DnnlBackend INSTANCE;
        static final RuntimeException FAILURE;

        static {
            DnnlBackend b = null;
            RuntimeException f = null;
            try {
                b = new DnnlBackend(true);
            } catch (RuntimeException e) {
                f = e;
            }
            INSTANCE = b;
            FAILURE = f;
        }
    }

    /**
     * The JVM-wide oneDNN backend, loading oneDNN on first call.
     *
     * @throws NativeUnavailableException when oneDNN cannot be loaded; the message says why and what to do
     */
    public static DnnlBackend instance() {
        if (Shared.FAILURE != null) {
            throw new NativeUnavailableException("dnnl backend unavailable: " + Shared.FAILURE.getMessage(), Shared.FAILURE);
        }
        return Shared.INSTANCE;
    }

    /** A backend with its own engine, stream and primitive cache, released by {@link #close()}. */
    public static DnnlBackend create() {
        return new DnnlBackend(false);
    }

    /** Whether oneDNN can be loaded here, and why not; never throws. */
    public static Availability availability() {
        Availability a = Dnnl.availability();
        if (!a.available()) return a;
        try {
            instance();
            return a;
        } catch (RuntimeException e) {
            return new Availability(false, e.getMessage());
        }
    }

    /** Frees the cached primitives; an instance from {@link #create()} also releases its engine and stream. */
    @Override
    public synchronized void close() {
        if (shared) ctx.cache.clear();
        else ctx.close();
    }

    /** Number of cached primitives (for tests and diagnostics). */
    public synchronized int cachedPrimitives() {
        return ctx.cache.size();
    }

    @Override
    public String name() {
        return "dnnl";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype != DType.FLOAT64;
    }

    // ------------------------------------------------------------ memory

    @Override
    public Tensor empty(Shape shape, DType dtype) {
        storable("empty", dtype);
        return HostMemory.allocate(this, shape, dtype);
    }

    @Override
    public Tensor full(Shape shape, DType dtype, double value) {
        Tensor t = empty(shape, dtype);
        HostLoops.fill(t.data(), dtype, shape.size(), value);
        return t;
    }

    @Override
    public Tensor fromHost(MemorySegment host, Shape shape, DType dtype) {
        storable("fromHost", dtype);
        return HostMemory.copyOf(this, host, shape, dtype);
    }

    @Override
    public MemorySegment toHost(Tensor t) {
        own(t);
        return HostMemory.bytes(t);
    }

    @Override
    public Tensor copy(Tensor x) {
        own(x);
        return HostMemory.copyOf(this, HostMemory.bytes(x), x.shape(), x.dtype());
    }

    @Override
    public synchronized Tensor cast(Tensor x, DType to) {
        own(x);
        storable("cast", to);
        if (x.dtype() == to) return copy(x);
        Tensor r = empty(x.shape(), to);
        if (x.size() == 0) return r;
        if (x.dtype() == DType.INT32 && to == DType.FLOAT32) {
            long[] d = {x.size()};
            reorders.copy(Reorders.View.plain(DType.INT32, d), x.data(), Reorders.View.plain(DType.FLOAT32, d), r.data());
        } else {
            HostLoops.cast(x.data(), x.dtype(), r.data(), to, x.size());
        }
        return r;
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        own(dst);
        own(src);
        HostMemory.copyInto(dst, src);
    }

    // ------------------------------------------------------------ element-wise

    @Override
    public synchronized Tensor unary(UnaryOp op, Tensor x, double alpha) {
        float32("unary " + op, x);
        Tensor y = empty(x.shape(), DType.FLOAT32);
        if (x.size() == 0) return y;
        switch (op) {
            case STEP -> {
                try (Scope temporaries = Scope.open()) {
                    compareWithZero(BinaryOp.GT, x, y);
                }
            }
            case SIGN -> {
                // sign(x) = (x > 0) - (x < 0); NaN gives 0 where the reference gives NaN
                try (Scope temporaries = Scope.open()) {
                    Tensor negative = empty(x.shape(), DType.FLOAT32);
                    compareWithZero(BinaryOp.LT, x, negative);
                    compareWithZero(BinaryOp.GT, x, y);
                    binary.run(BinaryOp.SUB, x.shape(), y.data(), x.shape(), negative.data(), x.shape(), y.data());
                }
            }
            default -> eltwise.forward(Eltwise.Fn.of(op, alpha), x.size(), x.data(), y.data());
        }
        return y;
    }

    @Override
    public synchronized Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha) {
        float32("unaryBackward " + op, gy, x);
        OpChecks.sameShape("unaryBackward " + op, gy, x);
        Tensor gx = empty(x.shape(), DType.FLOAT32);
        if (x.size() == 0) return gx;
        Eltwise.Fn fn = Eltwise.Fn.of(op, alpha);
        if (fn == null) {
            // SIGN and STEP are flat: gy · 0, which keeps NaN and ±inf gradients NaN as the reference does
            try (Scope temporaries = Scope.open()) {
                Tensor zero = scalarTensor(0f);
                binary.run(BinaryOp.MUL, gy.shape(), gy.data(), Shape.scalar(), zero.data(), gy.shape(), gx.data());
            }
        } else {
            eltwise.backward(fn, x.size(), gy.data(), x.data(), gx.data());
        }
        return gx;
    }

    @Override
    public synchronized Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        float32("binary " + op, a, b);
        Shape out = OpChecks.broadcast("binary " + op, a.shape(), b.shape());
        Tensor r = empty(out, DType.FLOAT32);
        if (out.size() == 0) return r;
        binary.run(op, a.shape(), a.data(), b.shape(), b.data(), out, r.data());
        return r;
    }

    @Override
    public synchronized Tensor affine(Tensor x, double scale, double shift) {
        float32("affine", x);
        Tensor y = empty(x.shape(), DType.FLOAT32);
        if (x.size() > 0) eltwise.forward(Eltwise.Fn.linear(scale, shift), x.size(), x.data(), y.data());
        return y;
    }

    @Override
    public synchronized Tensor clamp(Tensor x, double lo, double hi) {
        float32("clamp", x);
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " above upper bound " + hi);
        Tensor y = empty(x.shape(), DType.FLOAT32);
        if (x.size() > 0) eltwise.forward(Eltwise.Fn.clip(lo, hi), x.size(), x.data(), y.data());
        return y;
    }

    // ------------------------------------------------------------ reductions and broadcasting

    @Override
    public synchronized Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        float32("reduce " + op, x);
        int[] ax = axes.length == 0 ? OpChecks.allAxes(x.rank()) : axes;
        boolean[] reduced = new boolean[x.rank()];
        Shape kept = OpChecks.named("reduce " + op, () -> x.shape().keeping(ax)); // validates the axes
        for (int a : ax) reduced[x.shape().axis(a)] = true;
        Shape outShape = keepDims ? kept : x.shape().without(ax);
        Tensor r = empty(outShape, DType.FLOAT32);
        if (x.size() == 0) {
            // the reference's identities over no elements
            double identity = switch (op) {
                case MEAN -> Double.NaN;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
                default -> 0;
            };
            HostLoops.fill(r.data(), DType.FLOAT32, r.size(), identity);
            return r;
        }
        Reduction.Plan plan = Reduction.plan(x.shape().dims(), reduced);
        boolean norm = op == ReduceOp.NORM_L1 || op == ReduceOp.NORM_L2 || op == ReduceOp.NORM_LINF;
        // ℓ∞ is max |x| (oneDNN's lp-max is not), and a norm over nothing is |x|; |x| is a temporary
        try (Scope temporaries = Scope.open()) {
            Tensor src = op == ReduceOp.NORM_LINF || norm && plan.reducesNothing() ? unary(UnaryOp.ABS, x, 0) : x;
            if (plan.reducesNothing()) {
                MemorySegment.copy(src.data(), 0, r.data(), 0, r.byteSize());
            } else {
                reduction.run(op, plan, src.data(), r.data());
            }
        }
        return r;
    }

    @Override
    public Tensor argmax(Tensor x, int axis) {
        float32("argmax", x);
        int a = OpChecks.axis("argmax", x.shape(), axis);
        int len = x.dim(a);
        if (len == 0) throw new IllegalArgumentException("argmax: axis " + a + " of " + x.shape() + " is empty");
        Tensor r = empty(x.shape().without(a), DType.INT64);
        HostLoops.argmax(x.data(), x.shape().sizeOf(0, a), len, x.shape().sizeOf(a + 1, x.rank()), r.data());
        return r;
    }

    @Override
    public synchronized Tensor broadcastTo(Tensor x, Shape shape) {
        own(x);
        storable("broadcastTo", x.dtype());
        if (!x.shape().broadcastsTo(shape)) {
            throw new IllegalArgumentException("broadcastTo: " + x.shape() + " cannot broadcast to " + shape);
        }
        Tensor r = empty(shape, x.dtype());
        if (shape.size() == 0) return r;
        // a reorder from a view whose broadcast axes have stride 0
        int off = shape.rank() - x.rank();
        long[] dims = Conv.longs(shape), strides = new long[shape.rank()];
        long[] xs = x.shape().strides();
        for (int i = 0; i < x.rank(); i++) strides[i + off] = x.dim(i) == 1 ? 0 : xs[i];
        reorders.copy(new Reorders.View(x.dtype(), dims, strides), x.data(), Reorders.View.plain(x.dtype(), dims), r.data());
        return r;
    }

    // ------------------------------------------------------------ linear algebra

    @Override
    public synchronized Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        float32("matmul", a, b);
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: expected 2-d operands, got " + a.shape() + " and " + b.shape());
        }
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + a.shape() + (transA ? "ᵀ" : "") + " · "
                    + b.shape() + (transB ? "ᵀ" : ""));
        }
        Tensor c = empty(Shape.of(m, n), DType.FLOAT32);
        if (m == 0 || n == 0) return c;
        if (k == 0) {
            HostLoops.fill(c.data(), DType.FLOAT32, c.size(), 0);
            return c;
        }
        matmul.run(m, k, n, transA, transB, a.data(), b.data(), null, c.data());
        return c;
    }

    /** One matmul primitive with the bias fused in. */
    @Override
    public synchronized Tensor linear(Tensor x, Tensor w, Tensor bias) {
        float32("linear", x, w);
        if (x.rank() != 2 || w.rank() != 2 || x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: expected x [N,in] and w [out,in], got " + x.shape() + " and " + w.shape());
        }
        if (bias == null) return matmul(x, w, false, true);
        float32("linear", bias);
        if (!bias.shape().equals(Shape.of(w.dim(0)))) {
            throw new IllegalArgumentException("linear: bias must be [" + w.dim(0) + "] for weights " + w.shape() + ", got " + bias.shape());
        }
        if (x.dim(0) == 0 || w.dim(0) == 0 || x.dim(1) == 0) return Backend.super.linear(x, w, bias);
        Tensor y = empty(Shape.of(x.dim(0), w.dim(0)), DType.FLOAT32);
        matmul.run(x.dim(0), x.dim(1), w.dim(0), false, true, x.data(), w.data(), bias.data(), y.data());
        return y;
    }

    // ------------------------------------------------------------ convolution

    @Override
    public synchronized Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        float32("conv2d", x, w);
        Shape out = spec.outputShape(x.shape(), w.shape());
        if (bias != null) {
            float32("conv2d", bias);
            if (!bias.shape().equals(Shape.of(w.dim(0)))) {
                throw new IllegalArgumentException("conv2d: bias must be [" + w.dim(0) + "], got " + bias.shape());
            }
        }
        Tensor y = empty(out, DType.FLOAT32);
        if (out.size() == 0) return y;
        if (x.dim(1) == 0 || w.size() == 0) return fillWithBias(y, bias);
        conv.forward(x.shape(), w.shape(), spec, out, x.data(), w.data(), bias == null ? null : bias.data(), y.data());
        return y;
    }

    @Override
    public synchronized Tensor conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, Conv2dSpec spec) {
        float32("conv2dBackwardData", gy, w);
        Shape out = spec.outputShape(xShape, w.shape());
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("conv2dBackwardData: gradient " + gy.shape() + " does not match output " + out
                    + " of input " + xShape + " and weights " + w.shape());
        }
        Tensor gx = empty(xShape, DType.FLOAT32);
        if (xShape.size() == 0) return gx;
        if (out.size() == 0 || w.size() == 0) return fillWithBias(gx, null);
        if (ColumnConv.applies(w.shape(), spec)) columnConv.backwardData(xShape, w.shape(), spec, out, gy.data(), w.data(), gx.data());
        else conv.backwardData(xShape, w.shape(), spec, out, gy.data(), w.data(), gx.data());
        return gx;
    }

    @Override
    public synchronized Tensor conv2dBackwardWeights(Tensor x, Tensor gy, Shape wShape, Conv2dSpec spec) {
        float32("conv2dBackwardWeights", x, gy);
        Shape out = spec.outputShape(x.shape(), wShape);
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("conv2dBackwardWeights: gradient " + gy.shape() + " does not match output " + out
                    + " of input " + x.shape() + " and weights " + wShape);
        }
        Tensor gw = empty(wShape, DType.FLOAT32);
        if (wShape.size() == 0) return gw;
        if (out.size() == 0) return fillWithBias(gw, null);
        if (ColumnConv.applies(wShape, spec)) columnConv.backwardWeights(x.shape(), wShape, spec, out, x.data(), gy.data(), gw.data());
        else conv.backwardWeights(x.shape(), wShape, spec, out, x.data(), gy.data(), gw.data());
        return gw;
    }

    /** Degenerate convolutions (no input channels, empty batch): zeros, plus the bias per channel. */
    private Tensor fillWithBias(Tensor y, Tensor bias) {
        HostLoops.fill(y.data(), DType.FLOAT32, y.size(), 0);
        if (bias == null) return y;
        Tensor b = bias.reshape(bias.dim(0), 1, 1);
        binary.run(BinaryOp.ADD, y.shape(), y.data(), b.shape(), b.data(), y.shape(), y.data());
        return y;
    }

    // ------------------------------------------------------------ pooling

    @Override
    public synchronized MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec) {
        float32("maxPool2d", x);
        Shape out = spec.outputShape(x.shape());
        Tensor y = empty(out, DType.FLOAT32), idx = empty(out, DType.INT32);
        if (out.size() == 0) return new MaxPoolResult(y, idx);
        pool.maxForward(x.shape(), spec, out, x.data(), y.data());
        HostLoops.maxPoolIndices(x.data(), x.shape(), spec, y.data(), idx.data(), out);
        return new MaxPoolResult(y, idx);
    }

    @Override
    public Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec) {
        float32("maxPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        checkIndices("maxPool2dBackward", gy.shape(), indices, out);
        Tensor gx = empty(xShape, DType.FLOAT32);
        HostLoops.scatterAdd(gy.data(), indices.data(), out.dim(2) * out.dim(3), gx.data(),
                xShape.dim(2) * xShape.dim(3), (long) out.dim(0) * out.dim(1), "maxPool2dBackward");
        return gx;
    }

    @Override
    public Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec) {
        float32("maxPool2dGather", gx);
        Shape out = spec.outputShape(gx.shape());
        checkIndices("maxPool2dGather", indices.shape(), indices, out);
        Tensor r = empty(out, DType.FLOAT32);
        HostLoops.gather(gx.data(), indices.data(), out.dim(2) * out.dim(3), r.data(),
                gx.dim(2) * gx.dim(3), (long) out.dim(0) * out.dim(1), "maxPool2dGather");
        return r;
    }

    @Override
    public synchronized Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        float32("avgPool2d", x);
        Shape out = spec.outputShape(x.shape());
        Tensor y = empty(out, DType.FLOAT32);
        if (out.size() > 0) pool.avgForward(x.shape(), spec, out, x.data(), y.data());
        return y;
    }

    @Override
    public synchronized Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec) {
        float32("avgPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("avgPool2dBackward: gradient " + gy.shape() + " does not match output " + out + " of input " + xShape);
        }
        Tensor gx = empty(xShape, DType.FLOAT32);
        if (out.size() > 0) pool.avgBackward(xShape, spec, out, gy.data(), gx.data());
        return gx;
    }

    // ------------------------------------------------------------ softmax

    @Override
    public synchronized Tensor softmax(Tensor x, int axis) {
        return softmax(x, axis, false);
    }

    @Override
    public synchronized Tensor logSoftmax(Tensor x, int axis) {
        return softmax(x, axis, true);
    }

    private Tensor softmax(Tensor x, int axis, boolean log) {
        float32(log ? "logSoftmax" : "softmax", x);
        int a = OpChecks.axis(log ? "logSoftmax" : "softmax", x.shape(), axis);
        Tensor y = empty(x.shape(), DType.FLOAT32);
        if (x.size() > 0) {
            softmax.forward(log, x.shape().sizeOf(0, a), x.dim(a), x.shape().sizeOf(a + 1, x.rank()), x.data(), y.data());
        }
        return y;
    }

    @Override
    public synchronized Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis) {
        float32("logSoftmaxBackward", gy, y);
        OpChecks.sameShape("logSoftmaxBackward", gy, y);
        int a = OpChecks.axis("logSoftmaxBackward", y.shape(), axis);
        Tensor gx = empty(y.shape(), DType.FLOAT32);
        if (y.size() > 0) {
            softmax.logBackward(y.shape().sizeOf(0, a), y.dim(a), y.shape().sizeOf(a + 1, y.rank()), gy.data(), y.data(), gx.data());
        }
        return gx;
    }

    // ------------------------------------------------------------ batch norm

    @Override
    public synchronized BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps) {
        float32("batchNormTraining", x, gamma, beta);
        int c = channels("batchNormTraining", x, gamma, beta);
        Tensor y = empty(x.shape(), DType.FLOAT32), mean = empty(Shape.of(c), DType.FLOAT32), var = empty(Shape.of(c), DType.FLOAT32);
        batchNorm.training(x.dim(0), c, x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(), beta.data(),
                y.data(), mean.data(), var.data());
        return new BatchNormResult(y, mean, var);
    }

    @Override
    public synchronized Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps) {
        float32("batchNormInference", x, gamma, beta, mean, variance);
        int c = channels("batchNormInference", x, gamma, beta, mean, variance);
        Tensor y = empty(x.shape(), DType.FLOAT32);
        batchNorm.inference(x.dim(0), c, x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(), beta.data(),
                mean.data(), variance.data(), y.data());
        return y;
    }

    @Override
    public synchronized BatchNormGrads batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor variance, double eps) {
        float32("batchNormBackward", gy, x, gamma, mean, variance);
        OpChecks.sameShape("batchNormBackward", gy, x);
        int c = channels("batchNormBackward", x, gamma, mean, variance);
        Tensor gx = empty(x.shape(), DType.FLOAT32), gg = empty(Shape.of(c), DType.FLOAT32), gb = empty(Shape.of(c), DType.FLOAT32);
        batchNorm.backward(x.dim(0), c, x.shape().sizeOf(2, x.rank()), (float) eps, gy.data(), x.data(), gamma.data(),
                mean.data(), variance.data(), gx.data(), gg.data(), gb.data());
        return new BatchNormGrads(gx, gg, gb);
    }

    private static int channels(String op, Tensor x, Tensor... perChannel) {
        int c = OpChecks.channels(op, x, perChannel);
        if (x.size() == 0) throw new IllegalArgumentException(op + ": input " + x.shape() + " is empty");
        return c;
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    public Tensor oneHot(Tensor labels, int classes, DType dtype) {
        own(labels);
        storable("oneHot", dtype);
        if (labels.rank() != 1 || labels.dtype().isFloating()) {
            throw new IllegalArgumentException("oneHot: labels must be a 1-d integer tensor, got " + labels.dtype() + labels.shape());
        }
        if (classes < 0) throw new IllegalArgumentException("oneHot: classes must be >= 0, got " + classes);
        int n = labels.dim(0);
        Tensor r = full(Shape.of(n, classes), dtype, 0);
        for (int i = 0; i < n; i++) {
            long l = HostLoops.label(labels.data(), labels.dtype(), i);
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException("oneHot: label " + l + " at position " + i + " outside [0, " + classes + ")");
            }
            HostLoops.setOne(r.data(), dtype, (long) i * classes + l);
        }
        return r;
    }

    @Override
    public synchronized Tensor permute(Tensor x, int... axes) {
        own(x);
        storable("permute", x.dtype());
        int[] perm = OpChecks.permutation(x.shape(), axes);
        int r = perm.length;
        long[] dims = new long[r], strides = new long[r], inStrides = x.shape().strides();
        for (int i = 0; i < r; i++) {
            dims[i] = x.dim(perm[i]);
            strides[i] = inStrides[perm[i]];
        }
        Tensor y = empty(Shape.of(Arrays.stream(dims).mapToInt(d -> (int) d).toArray()), x.dtype());
        if (x.size() == 0) return y;
        if (r == 0) return copy(x);
        reorders.copy(new Reorders.View(x.dtype(), dims, strides), x.data(), Reorders.View.plain(x.dtype(), dims), y.data());
        return y;
    }

    @Override
    public synchronized Tensor slice(Tensor x, int axis, int start, int end) {
        own(x);
        storable("slice", x.dtype());
        int a = OpChecks.slice(x.shape(), axis, start, end);
        long outer = x.shape().sizeOf(0, a), len = x.dim(a), inner = x.shape().sizeOf(a + 1, x.rank()), n = end - start;
        Tensor y = empty(x.shape().withDim(a, end - start), x.dtype());
        if (y.size() == 0) return y;
        long es = x.dtype().byteSize();
        MemorySegment from = x.data().asSlice(start * inner * es);
        if (outer == 1) {
            MemorySegment.copy(from, 0, y.data(), 0, y.byteSize());
        } else {
            long[] dims = {outer, n, inner};
            reorders.copy(new Reorders.View(x.dtype(), dims, new long[]{len * inner, inner, 1}), from,
                    Reorders.View.plain(x.dtype(), dims), y.data());
        }
        return y;
    }

    @Override
    public synchronized Tensor concat(List<Tensor> xs, int axis) {
        if (xs.isEmpty()) throw new IllegalArgumentException("concat: no tensors given");
        Tensor first = xs.getFirst();
        for (Tensor t : xs) own(t);
        storable("concat", first.dtype());
        Shape out = OpChecks.concat(xs, axis);
        int a = out.axis(axis), total = out.dim(a);
        Tensor y = empty(out, first.dtype());
        if (out.size() == 0) return y;
        long outer = out.sizeOf(0, a), inner = out.sizeOf(a + 1, out.rank()), es = first.dtype().byteSize();
        long offset = 0;
        for (Tensor t : xs) {
            long n = t.dim(a);
            if (n > 0) {
                MemorySegment to = y.data().asSlice(offset * inner * es);
                long[] dims = {outer, n, inner};
                if (outer == 1) {
                    MemorySegment.copy(t.data(), 0, to, 0, t.byteSize());
                } else {
                    reorders.copy(Reorders.View.plain(t.dtype(), dims), t.data(),
                            new Reorders.View(t.dtype(), dims, new long[]{total * inner, inner, 1}), to);
                }
            }
            offset += n;
        }
        return y;
    }

    // ------------------------------------------------------------ checks

    private void own(Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException("tensor " + t.dtype() + t.shape() + " belongs to backend '" + t.backend().name()
                    + "'" + (t.backend() instanceof DnnlBackend ? " (another instance)" : "")
                    + ", not this 'dnnl' backend: move it with tensor.to(backend)");
        }
    }

    /** Compute ops: FLOAT32 tensors of this backend. */
    private void float32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            own(t);
            if (t.dtype() == DType.FLOAT64) throw new IllegalArgumentException(op + ": " + FLOAT64_MESSAGE);
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(op + ": expected a FLOAT32 tensor, got " + t.dtype() + t.shape());
            }
        }
    }

    /** Memory ops: any dtype but FLOAT64. */
    private static void storable(String op, DType dtype) {
        if (dtype == DType.FLOAT64) throw new IllegalArgumentException(op + ": " + FLOAT64_MESSAGE);
    }
    private void checkIndices(String op, Shape gy, Tensor indices, Shape expected) {
        own(indices);
        OpChecks.poolIndices(op, gy, indices, expected);
    }

    private void compareWithZero(BinaryOp op, Tensor x, Tensor out) {
        Tensor zero = scalarTensor(0f);
        binary.run(op, x.shape(), x.data(), Shape.scalar(), zero.data(), x.shape(), out.data());
    }

    private Tensor scalarTensor(float v) {
        return full(Shape.scalar(), DType.FLOAT32, v);
    }

}
