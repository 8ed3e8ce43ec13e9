package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Availability;
import dev.lipreg.bindings.Dnnl;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.HostBackend;
import dev.lipreg.tensor.KernelBackend;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The oneDNN CPU backend. Tensors are host memory allocated in
 * {@link Scope#current()}, row-major as the reference backend's; each op wraps them
 * in oneDNN memory objects and runs a cached primitive (see {@code PrimitiveCache}).
 * An image computed by a convolution, batch norm or element-wise op may stay in
 * the layout its kernel wrote (channel blocks or channels-last, {@code Carried}) for
 * the next of those ops to read as it is; {@link Tensor#data()} turns it row-major
 * in place before anything else reads it.
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
 * the reference's semantics: PyTorch's max-pool indices (for nn.MaxPool2d(2) the
 * values too, in the same pass) and the scatter/gather through them (split across
 * the OpenMP thread count), argmax, oneHot, fills and truncating float→int casts.
 * {@code PlaneBatchNorm} runs batch norm of NCHW images (training, inference and
 * both backwards), which oneDNN only has generic kernels for.
 *
 * <p>Argument, ownership and dtype checks, allocation, empty outputs and locking
 * are {@link KernelBackend}'s; this class holds the kernels.
 *
 * <p>Threads: an instance may be shared by threads, but runs one op at a
 * time (it is a serialized {@link KernelBackend}), because its cached primitives share
 * memory objects and one stream. Each op already uses every OpenMP thread, so
 * nothing is lost on a small machine; a thread wanting its own stream can
 * {@link #create()} its own backend (tensors then belong to that instance). Note
 * that OpenMP keeps one thread team per calling thread: prefer few calling threads.
 *
 * <p>Lifetime: {@link #instance()} is the JVM-wide backend; its {@link #close()}
 * only frees the cached primitives (they are rebuilt on demand). An instance from
 * {@link #create()} also destroys its engine and stream on close.
 */
public final class DnnlBackend extends HostBackend implements AutoCloseable {
    static final String FLOAT64_MESSAGE = float64Message("dnnl");

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
    private final CarriedReorders carriedReorders;

    private DnnlBackend(boolean shared) {
        super(true, true);
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
        this.carriedReorders = new CarriedReorders(ctx);
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
     * @return the backend
     */
    public static DnnlBackend instance() {
        if (Shared.FAILURE != null) {
            throw new NativeUnavailableException("dnnl backend unavailable: " + Shared.FAILURE.getMessage(), Shared.FAILURE);
        }
        return Shared.INSTANCE;
    }

    /** {@return a backend with its own engine, stream and primitive cache, released by {@link #close()}} */
    public static DnnlBackend create() {
        return new DnnlBackend(false);
    }

    /** {@return whether oneDNN can be loaded here, and why not; never throws} */
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

    /** {@return number of cached primitives (for tests and diagnostics)} */
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

    /** {@link Carried#toRowMajor}: a reorder into scratch memory, copied back in place. */
    void toRowMajor(Tensor t, Carried layout) {
        locked("toRowMajor", () -> {
            if (!layout.equals(t.storageLayout())) return; // another thread converted it
            Prim reorder = carriedReorders.between(layout.tag(), CarriedReorders.ROW_MAJOR, Conv.longs(t.shape()));
            try (Scope scratch = Scope.open()) {
                MemorySegment plain = scratch.allocate(t.byteSize());
                reorder.execute(ctx.stream, t.storage(), plain);
                MemorySegment.copy(plain, 0, t.storage(), 0, t.byteSize());
            }
            t.setStorageLayout(null);
        });
    }

    @Override
    protected void fillKernel(Tensor t, double value) {
        HostLoops.fill(t.data(), t.dtype(), t.size(), value);
    }

    @Override
    protected void castKernel(Tensor x, Tensor y) {
        if (x.dtype() == DType.INT32 && y.dtype() == DType.FLOAT32) {
            long[] d = {x.size()};
            reorders.copy(Reorders.View.plain(DType.INT32, d), x.data(), Reorders.View.plain(DType.FLOAT32, d), y.data());
        } else {
            HostLoops.cast(x.data(), x.dtype(), y.data(), y.dtype(), x.size());
        }
    }

    // ------------------------------------------------------------ element-wise

    @Override
    protected void unaryKernel(UnaryOp op, Tensor x, double alpha, Tensor y) {
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
            default -> elementwise(Eltwise.Fn.of(op, alpha), x, y);
        }
    }

    @Override
    protected void unaryBackwardKernel(UnaryOp op, Tensor gy, Tensor x, double alpha, Tensor gx) {
        Eltwise.Fn fn = Eltwise.Fn.of(op, alpha);
        if (fn == null) {
            // SIGN and STEP are flat: gy · 0, which keeps NaN and ±inf gradients NaN as the reference does
            try (Scope temporaries = Scope.open()) {
                Tensor zero = scalarTensor(0f);
                binary.run(BinaryOp.MUL, gy.shape(), gy.data(), Shape.scalar(), zero.data(), gy.shape(), gx.data());
            }
        } else {
            // in x's layout: x is a forward result, gy a gradient arriving from wherever (a carried gy
            // meeting a row-major x is a convolution's input gradient on its way to a row-major op)
            Carried c = carried(x);
            try (Scope scratch = Scope.open()) {
                if (c == null) {
                    eltwise.backward(fn, x.size(), rowMajor(gy, scratch), x.data(), gx.data());
                    return;
                }
                eltwise.backward(fn, x.size(), in(gy, c, scratch), x.storage(), gx.storage());
            }
            gx.setStorageLayout(c);
        }
    }

    @Override
    protected void binaryKernel(BinaryOp op, Tensor a, Tensor b, Tensor y) {
        Carried c = a.shape().equals(b.shape()) ? carried(a, b) : null;
        if (c == null) {
            binary.run(op, a.shape(), a.data(), b.shape(), b.data(), y.shape(), y.data());
            return;
        }
        try (Scope scratch = Scope.open()) { // element by element, so any one layout of all three is the same computation
            binary.run(op, a.shape(), in(a, c, scratch), b.shape(), in(b, c, scratch), y.shape(), y.storage());
        }
        y.setStorageLayout(c);
    }

    @Override
    protected void affineKernel(Tensor x, double scale, double shift, Tensor y) {
        elementwise(Eltwise.Fn.linear(scale, shift), x, y);
    }

    /** y = f(x), in x's carried layout when it has one. */
    private void elementwise(Eltwise.Fn fn, Tensor x, Tensor y) {
        Carried c = carried(x);
        if (c == null) {
            eltwise.forward(fn, x.size(), x.data(), y.data());
        } else {
            eltwise.forward(fn, x.size(), x.storage(), y.storage());
            y.setStorageLayout(c);
        }
    }

    /**
     * The first {@link Carried} layout of this backend among {@code ts}, which the op
     * then runs in (the others reordered into it, see {@link #in}), or null when all
     * are row-major.
     */
    private Carried carried(Tensor... ts) {
        for (Tensor t : ts) if (t.storageLayout() instanceof Carried c && c.owner() == this) return c;
        return null;
    }

    /** {@code t}'s elements row-major without converting {@code t}: as they are, or reordered into {@code scratch}. */
    private MemorySegment rowMajor(Tensor t, Scope scratch) {
        return carriedReorders.in(t, this, CarriedReorders.ROW_MAJOR, scratch);
    }

    /** {@code t}'s elements in layout {@code c}: as they are, or reordered into {@code scratch}. */
    private MemorySegment in(Tensor t, Carried c, Scope scratch) {
        return carriedReorders.in(t, this, c.tag(), scratch);
    }

    @Override
    protected void addScaledIntoKernel(Tensor dst, double keep, Tensor x, double scale) {
        HostLoops.addScaled(dst.data(), (float) keep, x.data(), (float) scale, x.size());
    }

    @Override
    protected void clampKernel(Tensor x, double lo, double hi, Tensor y) {
        elementwise(Eltwise.Fn.clip(lo, hi), x, y);
    }

    // ------------------------------------------------------------ reductions and broadcasting

    @Override
    protected void reduceKernel(ReduceOp op, Tensor x, boolean[] reduced, Tensor y) {
        Reduction.Plan plan = Reduction.plan(x.shape().dims(), reduced);
        boolean norm = op == ReduceOp.NORM_L1 || op == ReduceOp.NORM_L2 || op == ReduceOp.NORM_LINF;
        // ℓ∞ is max |x| (oneDNN's lp-max is not), and a norm over nothing is |x|; |x| is a temporary
        try (Scope temporaries = Scope.open()) {
            Tensor src = op == ReduceOp.NORM_LINF || norm && plan.reducesNothing() ? unary(UnaryOp.ABS, x, 0) : x;
            if (plan.reducesNothing()) {
                MemorySegment.copy(src.data(), 0, y.data(), 0, y.byteSize());
            } else {
                reduction.run(op, plan, src.data(), y.data());
            }
        }
    }

    @Override
    protected void argmaxKernel(Tensor x, int a, Tensor y) {
        HostLoops.argmax(x.data(), x.shape().sizeOf(0, a), x.dim(a), x.shape().sizeOf(a + 1, x.rank()), y.data());
    }

    /** A reorder from a view whose broadcast axes have stride 0. */
    @Override
    protected void broadcastKernel(Tensor x, Tensor y) {
        Shape shape = y.shape();
        int off = shape.rank() - x.rank();
        long[] dims = Conv.longs(shape), strides = new long[shape.rank()];
        long[] xs = x.shape().strides();
        for (int i = 0; i < x.rank(); i++) strides[i + off] = x.dim(i) == 1 ? 0 : xs[i];
        reorders.copy(new Reorders.View(x.dtype(), dims, strides), x.data(), Reorders.View.plain(x.dtype(), dims), y.data());
    }

    // ------------------------------------------------------------ linear algebra

    @Override
    protected void matmulKernel(Tensor a, Tensor b, boolean transA, boolean transB, Tensor c) {
        matmul.run(c.dim(0), transA ? a.dim(0) : a.dim(1), c.dim(1), transA, transB, a.data(), b.data(), null, c.data());
    }

    /** One matmul primitive with the bias fused in. */
    @Override
    protected void linearKernel(Tensor x, Tensor w, Tensor bias, Tensor y) {
        matmul.run(x.dim(0), x.dim(1), w.dim(0), false, true, x.data(), w.data(), bias == null ? null : bias.data(), y.data());
    }

    // ------------------------------------------------------------ convolution

    @Override
    protected void conv2dKernel(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor y) {
        conv.forward(this, x, w, bias, spec, y);
    }

    @Override
    protected void conv2dBackwardDataKernel(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx) {
        if (ColumnConv.applies(w.shape(), spec)) columnConv.backwardData(gx.shape(), w.shape(), spec, gy.shape(), gy.data(), w.data(), gx.data());
        else conv.backwardData(this, gy, w, spec, gx);
    }

    @Override
    protected void conv2dBackwardWeightsKernel(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw) {
        if (ColumnConv.applies(gw.shape(), spec)) columnConv.backwardWeights(x.shape(), gw.shape(), spec, gy.shape(), x.data(), gy.data(), gw.data());
        else conv.backwardWeights(this, x, gy, spec, gw);
    }

    /** One reorder of gy for both backward primitives, unless the first layer's column path takes either. */
    @Override
    protected void conv2dBackwardKernel(Tensor x, Tensor w, Tensor gy, Conv2dSpec spec, Tensor gx, Tensor gw) {
        if (ColumnConv.applies(w.shape(), spec)) {
            super.conv2dBackwardKernel(x, w, gy, spec, gx, gw);
            return;
        }
        conv.backward(this, x, w, gy, spec, gx, gw);
    }

    // ------------------------------------------------------------ pooling

    @Override
    protected void maxPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y, Tensor indices) {
        if (HostLoops.isPairs(spec)) {
            try (Scope scratch = Scope.open()) { // a convolution's output: read through a scratch reorder, left carried
                HostLoops.maxPoolPairs(rowMajor(x, scratch), x.shape(), y.data(), indices.data(), y.shape());
            }
            return;
        }
        pool.maxForward(x.shape(), spec, y.shape(), x.data(), y.data());
        HostLoops.maxPoolIndices(x.data(), x.shape(), spec, y.data(), indices.data(), y.shape());
    }

    @Override
    protected void maxPool2dBackwardKernel(Tensor gy, Tensor indices, Tensor gx) {
        HostLoops.scatterAdd(gy.data(), indices.data(), gy.dim(2) * gy.dim(3), gx.data(),
                gx.dim(2) * gx.dim(3), (long) gy.dim(0) * gy.dim(1), "maxPool2dBackward");
    }

    @Override
    protected void maxPool2dGatherKernel(Tensor gx, Tensor indices, Tensor y) {
        Carried c = carried(gx); // read in its layout: the gather reads a quarter of it
        int lanes = c == null ? 1 : c.lanes(gx.dim(1));
        HostLoops.gather(c == null ? gx.data() : gx.storage(), gx.dim(1), lanes, indices.data(), y.dim(2) * y.dim(3), y.data(),
                gx.dim(2) * gx.dim(3), (long) y.dim(0) * y.dim(1), "maxPool2dGather");
    }

    @Override
    protected void avgPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y) {
        pool.avgForward(x.shape(), spec, y.shape(), x.data(), y.data());
    }

    @Override
    protected void avgPool2dBackwardKernel(Tensor gy, Pool2dSpec spec, Tensor gx) {
        pool.avgBackward(gx.shape(), spec, gy.shape(), gy.data(), gx.data());
    }

    // ------------------------------------------------------------ softmax

    @Override
    protected void softmaxKernel(Tensor x, int a, boolean log, Tensor y) {
        softmax.forward(log, x.shape().sizeOf(0, a), x.dim(a), x.shape().sizeOf(a + 1, x.rank()), x.data(), y.data());
    }

    @Override
    protected void logSoftmaxBackwardKernel(Tensor gy, Tensor y, int a, Tensor gx) {
        softmax.logBackward(y.shape().sizeOf(0, a), y.dim(a), y.shape().sizeOf(a + 1, y.rank()), gy.data(), y.data(), gx.data());
    }

    // ------------------------------------------------------------ batch norm

    @Override
    protected void batchNormTrainingKernel(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor variance) {
        Carried c = carried(x);
        if (c != null) { // statistics not from oneDNN's training kernel: it sums in float (see BlockedBatchNorm)
            BlockedBatchNorm.statistics(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, 4), c.lanes(x.dim(1)), x.storage(), mean.data(),
                    variance.data());
            batchNorm.inference(x.dim(0), x.dim(1), x.shape().sizeOf(2, 4), c.tag(), (float) eps, x.storage(), gamma.data(), beta.data(),
                    mean.data(), variance.data(), y.storage());
            y.setStorageLayout(c);
            return;
        }
        if (planes(x)) {
            PlaneBatchNorm.training(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(),
                    beta.data(), y.data(), mean.data(), variance.data());
            return;
        }
        batchNorm.training(x.dim(0), x.dim(1), x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(), beta.data(),
                y.data(), mean.data(), variance.data());
    }

    @Override
    protected void batchNormBackwardKernel(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, double eps,
                                           Tensor gx, Tensor gGamma, Tensor gBeta) {
        Carried c = carried(x, gy);
        if (c != null) { // oneDNN's kernel for the layout: its sums, Σgy and Σgy·(x − mean), lose nothing to cancellation
            try (Scope scratch = Scope.open()) {
                batchNorm.backward(x.dim(0), x.dim(1), x.shape().sizeOf(2, 4), c.tag(), (float) eps, in(x, c, scratch), gamma.data(),
                        mean.data(), variance.data(), in(gy, c, scratch), gx.storage(), gGamma.data(), gBeta.data());
            }
            gx.setStorageLayout(c);
            return;
        }
        if (planes(x)) {
            PlaneBatchNorm.backward(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(),
                    mean.data(), variance.data(), gy.data(), gx.data(), gGamma.data(), gBeta.data());
            return;
        }
        batchNorm.backward(x.dim(0), x.dim(1), x.shape().sizeOf(2, x.rank()), -1, (float) eps, x.data(), gamma.data(), mean.data(),
                variance.data(), gy.data(), gx.data(), gGamma.data(), gBeta.data());
    }

    @Override
    protected void batchNormDoubleBackwardKernel(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, Tensor u, double eps,
                                                 Tensor gx, Tensor gGy, Tensor gGamma) {
        Carried c = carried(x, gy, u);
        if (c != null) {
            try (Scope scratch = Scope.open()) {
                BlockedBatchNorm.doubleBackward(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, 4), c.lanes(x.dim(1)), (float) eps,
                        in(x, c, scratch), gamma.data(), mean.data(), variance.data(), in(gy, c, scratch), in(u, c, scratch),
                        gx.storage(), gGy.storage(), gGamma.data());
            }
            gx.setStorageLayout(c);
            gGy.setStorageLayout(c);
            return;
        }
        if (!planes(x)) {
            super.batchNormDoubleBackwardKernel(x, gamma, mean, variance, gy, u, eps, gx, gGy, gGamma);
            return;
        }
        PlaneBatchNorm.doubleBackward(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(),
                mean.data(), variance.data(), gy.data(), u.data(), gx.data(), gGy.data(), gGamma.data());
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps, Tensor y) {
        Carried c = carried(x);
        if (c != null) {
            batchNorm.inference(x.dim(0), x.dim(1), x.shape().sizeOf(2, 4), c.tag(), (float) eps, x.storage(), gamma.data(), beta.data(),
                    mean.data(), variance.data(), y.storage());
            y.setStorageLayout(c);
            return;
        }
        if (x.rank() == 4 && x.shape().sizeOf(2, 4) >= PlaneBatchNorm.INFERENCE_PLANE) {
            PlaneBatchNorm.inference(x.dim(0), x.dim(1), (int) x.shape().sizeOf(2, x.rank()), (float) eps, x.data(), gamma.data(),
                    beta.data(), mean.data(), variance.data(), y.data());
            return;
        }
        batchNorm.inference(x.dim(0), x.dim(1), x.shape().sizeOf(2, x.rank()), -1, (float) eps, x.data(), gamma.data(), beta.data(),
                mean.data(), variance.data(), y.data());
    }

    /** Images whose batch norm {@link PlaneBatchNorm} runs (oneDNN's NCHW kernels are generic). */
    private static boolean planes(Tensor x) {
        return x.rank() == 4 && PlaneBatchNorm.applies(x.dim(0), x.shape().sizeOf(2, 4));
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    protected void oneHotKernel(Tensor labels, int classes, Tensor y) {
        HostLoops.fill(y.data(), y.dtype(), y.size(), 0);
        for (int i = 0; i < labels.dim(0); i++) {
            long l = HostLoops.label(labels.data(), labels.dtype(), i);
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException("oneHot: label " + l + " at position " + i + " outside [0, " + classes + ")");
            }
            HostLoops.setOne(y.data(), y.dtype(), (long) i * classes + l);
        }
    }

    @Override
    protected void permuteKernel(Tensor x, int[] perm, Tensor y) {
        int r = perm.length;
        if (r == 0) {
            copyKernel(x, y);
            return;
        }
        long[] dims = new long[r], strides = new long[r], inStrides = x.shape().strides();
        for (int i = 0; i < r; i++) {
            dims[i] = x.dim(perm[i]);
            strides[i] = inStrides[perm[i]];
        }
        reorders.copy(new Reorders.View(x.dtype(), dims, strides), x.data(), Reorders.View.plain(x.dtype(), dims), y.data());
    }

    @Override
    protected void sliceKernel(Tensor x, int a, int start, Tensor y) {
        long outer = x.shape().sizeOf(0, a), len = x.dim(a), inner = x.shape().sizeOf(a + 1, x.rank()), n = y.dim(a);
        MemorySegment from = x.data().asSlice(start * inner * x.dtype().byteSize());
        if (outer == 1) {
            MemorySegment.copy(from, 0, y.data(), 0, y.byteSize());
        } else {
            long[] dims = {outer, n, inner};
            reorders.copy(new Reorders.View(x.dtype(), dims, new long[]{len * inner, inner, 1}), from,
                    Reorders.View.plain(x.dtype(), dims), y.data());
        }
    }

    @Override
    protected void concatKernel(List<Tensor> xs, int a, Tensor y) {
        Shape out = y.shape();
        long total = out.dim(a), outer = out.sizeOf(0, a), inner = out.sizeOf(a + 1, out.rank()), es = y.dtype().byteSize();
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
    }

    // ------------------------------------------------------------ helpers

    private void compareWithZero(BinaryOp op, Tensor x, Tensor out) {
        Tensor zero = scalarTensor(0f);
        binary.run(op, x.shape(), x.data(), Shape.scalar(), zero.data(), x.shape(), out.data());
    }

    private Tensor scalarTensor(float v) {
        return full(Shape.scalar(), DType.FLOAT32, v);
    }
}
