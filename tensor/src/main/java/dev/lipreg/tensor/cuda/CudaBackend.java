package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Availability;
import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.tensor.KernelBackend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import static dev.lipreg.tensor.cuda.Kernels.*;

/**
 * The GPU backend. Tensors live in device memory ({@code Tensor.data()} is a zero-length
 * segment at the device address) from a caching allocator whose blocks return when their
 * {@link Scope} closes; host↔device copies happen only in {@link #fromHost} and
 * {@link #toHost}. Everything runs in order on one stream per backend, so ops return as soon
 * as their work is enqueued.
 *
 * <p>What runs where: matmul and linear are cuBLAS SGEMM; convolution forward, backward-data and
 * backward-filter are cuDNN (algorithm chosen once per shape, see {@link CudnnConv}), conv bias
 * cudnnAddTensor. Everything else is one of the backend's own kernels ({@link KernelSource},
 * compiled at start-up by NVRTC), written to the reference backend's exact rules where a rule
 * exists: ReLU'(0) = 0, first-maximum max-pool indices (INT32 h*W+w), NaN propagation, Java's
 * saturating casts, count-include-pad average pooling, biased batch variance, broadcasting in
 * both operands. Batch norm uses those kernels too (statistics in double) rather than cuDNN's,
 * whose epsilon floor (1e-5) and inverse-std outputs differ from the Backend contract.
 *
 * <p>Compute ops take FLOAT32; INT32 and INT64 work in the memory ops and as labels and indices;
 * FLOAT64 is refused. Checks, allocation, empty outputs and locking are {@link KernelBackend}'s:
 * ops on one instance are serialized, as for the oneDNN backend; {@link #create()} gives a
 * thread its own stream, allocator and handles.
 *
 * <p>Checks that need device data (label range of oneHot, index range of the max-pool scatter and
 * gather) avoid a device round trip when the data is known: labels uploaded by {@link #fromHost}
 * carry their range, and indices made by {@link #maxPool2d} are in range by construction. Other
 * data is checked by the kernel, which records the first bad position for the host to read.
 */
public final class CudaBackend extends KernelBackend implements AutoCloseable {
    static final String FLOAT64_MESSAGE = float64Message("cuda");
    /** Kernels index with int and a grid-stride loop: 2^30 elements per tensor at most. */
    static final long MAX_ELEMENTS = 1L << 30;
    static final String TF32_ENV = "LIPREG_CUDA_TF32";

    private final GpuRuntime rt;
    private final boolean shared;
    private final DeviceAllocator alloc;
    private final Launcher launcher;
    private final Gemm gemm;
    private final CudnnConv conv;
    private final Arena arena = Arena.ofShared();
    /** Host scratch for small device reads (the error flag, one element). */
    private final MemorySegment scratch = arena.allocate(16, 8);
    /** Device int where kernels record the first bad position (Integer.MAX_VALUE = none). */
    private final DeviceAllocator.Block flag;
    private boolean closed;

    /** For tests: a backend on any runtime; without cuBLAS/cuDNN (null) matmul and convolutions throw. */
    CudaBackend(GpuRuntime rt, boolean shared, boolean vendorLibraries) {
        super(true, true);
        this.rt = rt;
        this.shared = shared;
        this.alloc = new DeviceAllocator(rt);
        this.launcher = new Launcher(rt);
        boolean tf32 = "1".equals(System.getenv(TF32_ENV));
        this.gemm = vendorLibraries ? new Gemm(rt.stream()) : null;
        this.conv = vendorLibraries ? new CudnnConv(rt.stream(), alloc, tf32) : null;
        this.flag = alloc.allocate(4);
    }

    /** Built on first use; a failure (no GPU, missing library) is kept and rethrown with its reason. */
    private static final class Shared {
        static final CudaBackend INSTANCE;
        static final RuntimeException FAILURE;

        static {
            CudaBackend b = null;
            RuntimeException f = null;
            try {
                b = open(true);
            } catch (RuntimeException e) {
                f = e;
            } catch (LinkageError e) { // a symbol missing from a library: keep the backend class usable
                f = new NativeUnavailableException("cuda backend unavailable: " + e, e);
            }
            INSTANCE = b;
            FAILURE = f;
        }
    }

    private static CudaBackend open(boolean shared) {
        CudaInfo info = Cuda.ensureAvailable();
        GpuRuntime device = CudaDevice.open();
        try {
            return new CudaBackend(device, shared, true);
        } catch (RuntimeException e) {
            device.close();
            throw new NativeUnavailableException("cuda backend unavailable on " + info.deviceNames() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The JVM-wide CUDA backend on the current device, started on first call.
     *
     * @throws NativeUnavailableException without a usable GPU; the message carries the probe's reason
     * @return the backend
     */
    public static CudaBackend instance() {
        if (Shared.FAILURE != null) {
            throw Shared.FAILURE instanceof NativeUnavailableException n ? n
                    : new NativeUnavailableException("cuda backend unavailable: " + Shared.FAILURE.getMessage(), Shared.FAILURE);
        }
        return Shared.INSTANCE;
    }

    /** {@return a backend with its own stream, allocator, kernels and handles, released by {@link #close()}} */
    public static CudaBackend create() {
        return open(false);
    }

    /** {@return whether a GPU and the CUDA libraries are usable here, and why not; never throws} */
    public static Availability availability() {
        CudaInfo info = Cuda.probe();
        if (!info.available()) return new Availability(false, info.reason());
        try {
            instance();
            return new Availability(true, "CUDA " + CudaInfo.versionString(info.runtimeVersion()) + " on " + info.deviceNames());
        } catch (RuntimeException e) {
            return new Availability(false, e.getMessage());
        }
    }

    /**
     * Waits for the enqueued work. The shared instance also returns cached device memory and
     * convolution plans (rebuilt on demand); an instance from {@link #create()} releases everything.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        rt.synchronize();
        if (shared) {
            alloc.trim();
            if (conv != null) conv.clear();
            return;
        }
        closed = true;
        try {
            if (conv != null) conv.close();
            if (gemm != null) gemm.close();
            flag.close();
            alloc.close();
            launcher.close();
        } finally {
            rt.close();
            arena.close();
        }
    }

    /** Blocks until the enqueued work is done (for timing); reports asynchronous errors. */
    public synchronized void synchronize() {
        open();
        rt.synchronize();
    }

    /**
     * Device bytes held by this backend's allocator (in use plus cached).
     *
     * @return the bytes
     */
    public long reservedBytes() {
        return alloc.reservedBytes();
    }

    /**
     * Device bytes held by tensors of open scopes.
     *
     * @return the bytes
     */
    public long inUseBytes() {
        return alloc.inUseBytes();
    }

    /** {@return number of the backend's own kernels launched so far (cuBLAS and cuDNN calls not counted)} */
    public synchronized long kernelLaunches() {
        return launcher.launches;
    }

    /** Returns cached device memory to the driver. */
    public synchronized void trim() {
        open();
        alloc.trim();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device device() {
        return Device.CUDA;
    }

    @Override
    public boolean supports(DType dtype) {
        return dtype != DType.FLOAT64;
    }

    @Override
    protected void checkOpen() {
        open();
    }

    // ------------------------------------------------------------ memory

    @Override
    protected Tensor allocate(Shape shape, DType dtype) {
        open();
        if (shape.size() > MAX_ELEMENTS) {
            throw new IllegalArgumentException("cuda backend: " + dtype + shape + " has more than 2^30 elements");
        }
        Scope scope = Scope.current();
        DeviceAllocator.Block b = alloc.allocate(shape.size() * dtype.byteSize());
        scope.onClose(b);
        return new Tensor(this, shape, dtype, MemorySegment.ofAddress(b.address), scope);
    }

    @Override
    protected void fillKernel(Tensor t, double value) {
        DType dtype = t.dtype();
        switch (dtype) {
            case FLOAT32 -> fill(t, Float.floatToRawIntBits((float) value));
            case INT32 -> fill(t, (int) value);
            default -> launcher.launch(FILL64, t.size(), addr(t), (int) t.size(), (long) value);
        }
        if (dtype == DType.INT32 || dtype == DType.INT64) {
            long v = dtype == DType.INT32 ? (int) value : (long) value;
            tagRange(t, v, v);
        }
    }

    private void fill(Tensor t, int bits) {
        launcher.launch(FILL32, t.size(), addr(t), (int) t.size(), bits);
    }

    @Override
    protected void uploadKernel(MemorySegment host, Tensor t) {
        long bytes = t.byteSize();
        if (host.isNative()) {
            rt.toDevice(addr(t), host, bytes);
        } else {
            try (Arena staging = Arena.ofConfined()) { // the runtime copies from native memory only
                MemorySegment s = staging.allocate(bytes, 8);
                s.copyFrom(host);
                rt.toDevice(addr(t), s, bytes);
            }
        }
        DType dtype = t.dtype();
        if (dtype == DType.INT32 || dtype == DType.INT64) {
            // labels: know their range now, so oneHot needs no device round trip
            long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
            for (long i = 0; i < t.size(); i++) {
                long v = dtype == DType.INT32 ? host.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) : host.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            tagRange(t, min, max);
        }
    }

    @Override
    protected MemorySegment downloadKernel(Tensor t) {
        MemorySegment host = Scope.current().allocate(t.byteSize());
        if (t.byteSize() > 0) rt.toHost(host, addr(t), t.byteSize());
        return host;
    }

    @Override
    protected void copyKernel(Tensor x, Tensor y) {
        rt.copy(addr(y), addr(x), x.byteSize());
        DeviceAllocator.Block b = block(y);
        if (b != null) b.copyTagsFrom(block(x));
    }

    @Override
    protected void castKernel(Tensor x, Tensor y) {
        launcher.launch(CAST, x.size(), addr(x), code(x.dtype()), addr(y), code(y.dtype()), (int) x.size());
    }

    // ------------------------------------------------------------ element-wise

    @Override
    protected void unaryKernel(UnaryOp op, Tensor x, double alpha, Tensor y) {
        launcher.launch(UNARY, x.size(), addr(x), addr(y), (int) x.size(), op.ordinal(), (float) alpha);
    }

    @Override
    protected void unaryBackwardKernel(UnaryOp op, Tensor gy, Tensor x, double alpha, Tensor gx) {
        launcher.launch(UNARY_BWD, x.size(), addr(gy), addr(x), addr(gx), (int) x.size(), op.ordinal(), (float) alpha);
    }

    @Override
    protected void binaryKernel(BinaryOp op, Tensor a, Tensor b, Tensor y) {
        Shape out = y.shape();
        int[] s = Geometry.strides(out.dims(), Geometry.broadcastStrides(a.shape(), out), Geometry.broadcastStrides(b.shape(), out));
        launcher.launch(BINARY, out.size(), addr(a), addr(b), addr(y), (int) out.size(), op.ordinal(), s);
    }

    @Override
    protected void affineKernel(Tensor x, double scale, double shift, Tensor y) {
        launcher.launch(AFFINE, x.size(), addr(x), addr(y), (int) x.size(), scale, shift);
    }

    @Override
    protected void clampKernel(Tensor x, double lo, double hi, Tensor y) {
        launcher.launch(CLAMP, x.size(), addr(x), addr(y), (int) x.size(), lo, hi);
    }

    // ------------------------------------------------------------ reductions and broadcasting

    @Override
    protected void reduceKernel(ReduceOp op, Tensor x, boolean[] reduced, Tensor y) {
        reduceInto(op, 0, x, 0, 0, addr(y), Geometry.reduction(x.shape().dims(), reduced));
    }

    /**
     * One reduction into {@code y}: single pass when there are many outputs, else each output's
     * elements split into parts reduced in double and combined by a second kernel.
     */
    private void reduceInto(ReduceOp op, int prep, Tensor x, long aux, long center, long y, Geometry.Reduction r) {
        if (r.m() == 0) return;
        int parts = r.m() >= 4096 || r.len() < 64 ? 1 : Math.min(Math.min(1024, (65536 + r.m() - 1) / r.m()), r.len() / 32);
        if (parts <= 1) {
            launcher.launch(REDUCE, r.m(), addr(x), aux, center, 0L, y, r.m(), 1, r.len(), op.ordinal(), prep, r.struct());
            return;
        }
        try (DeviceAllocator.Block part = alloc.allocate((long) r.m() * parts * Double.BYTES)) {
            launcher.launch(REDUCE, (long) r.m() * parts, addr(x), aux, center, part.address, 0L, r.m(), parts, r.len(),
                    op.ordinal(), prep, r.struct());
            launcher.launch(REDUCE_PARTS, r.m(), part.address, y, r.m(), parts, r.len(), op.ordinal());
        }
    }

    @Override
    protected void argmaxKernel(Tensor x, int a, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        launcher.launch(ARGMAX, (long) outer * inner, addr(x), addr(y), outer, x.dim(a), inner);
    }

    @Override
    protected void broadcastKernel(Tensor x, Tensor y) {
        int[] d = y.shape().dims();
        stridedCopy(x, addr(x), addr(y), y.size(), Geometry.strides(d, Geometry.broadcastStrides(x.shape(), y.shape()), Geometry.contiguous(d)));
    }

    private void stridedCopy(Tensor like, long src, long dst, long n, int[] s) {
        launcher.launch(like.dtype().byteSize() == 8 ? COPY64 : COPY32, n, src, dst, (int) n, s);
    }

    // ------------------------------------------------------------ linear algebra

    @Override
    protected void matmulKernel(Tensor a, Tensor b, boolean transA, boolean transB, Tensor c) {
        int k = transA ? a.dim(0) : a.dim(1);
        gemm().run(c.dim(0), c.dim(1), k, transA, transB, addr(a), a.dim(1), addr(b), b.dim(1), addr(c), false);
    }

    /** The bias broadcast into the output, then one SGEMM accumulating onto it. */
    @Override
    protected void linearKernel(Tensor x, Tensor w, Tensor bias, Tensor y) {
        if (bias == null) {
            matmulKernel(x, w, false, true, y);
            return;
        }
        int[] d = y.shape().dims();
        stridedCopy(bias, addr(bias), addr(y), y.size(), Geometry.strides(d, new int[] {0, 1}, Geometry.contiguous(d)));
        gemm().run(x.dim(0), w.dim(0), x.dim(1), false, true, addr(x), x.dim(1), addr(w), w.dim(1), addr(y), true);
    }

    // ------------------------------------------------------------ convolution

    @Override
    protected void conv2dKernel(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor y) {
        conv().forward(x.shape(), w.shape(), spec, y.shape(), addr(x), addr(w), bias == null ? 0 : addr(bias), addr(y));
    }

    @Override
    protected void conv2dBackwardDataKernel(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx) {
        conv().backwardData(gx.shape(), w.shape(), spec, gy.shape(), addr(gy), addr(w), addr(gx));
    }

    @Override
    protected void conv2dBackwardWeightsKernel(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw) {
        conv().backwardFilter(x.shape(), gw.shape(), spec, gy.shape(), addr(x), addr(gy), addr(gw));
    }

    // ------------------------------------------------------------ pooling

    private static int[] pool(Shape x, Shape out, Pool2dSpec s) {
        return new int[] {x.dim(0) * x.dim(1), x.dim(2), x.dim(3), out.dim(2), out.dim(3), s.kernelH(), s.kernelW(),
                s.strideH(), s.strideW(), s.padH(), s.padW(), s.countIncludePad() ? 1 : 0};
    }

    @Override
    protected void maxPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y, Tensor indices) {
        launcher.launch(MAXPOOL, y.size(), addr(x), addr(y), addr(indices), pool(x.shape(), y.shape(), spec));
        DeviceAllocator.Block b = block(indices);
        if (b != null) b.indexPlane = (long) x.dim(2) * x.dim(3);
    }

    @Override
    protected void maxPool2dBackwardKernel(Tensor gy, Tensor indices, Tensor gx) {
        fill(gx, 0);
        int plane = gx.dim(2) * gx.dim(3);
        boolean check = resetFlagUnlessTrusted(indices, plane);
        launcher.launch(MAXPOOL_SCATTER, gy.size(), addr(gy), addr(indices), addr(gx), (int) gy.size(), gy.dim(2) * gy.dim(3),
                plane, flag.address);
        if (check) throwIfFlagged("maxPool2dBackward", indices, plane);
    }

    @Override
    protected void maxPool2dGatherKernel(Tensor gx, Tensor indices, Tensor y) {
        int plane = gx.dim(2) * gx.dim(3);
        boolean check = resetFlagUnlessTrusted(indices, plane);
        launcher.launch(MAXPOOL_GATHER, y.size(), addr(gx), addr(indices), addr(y), (int) y.size(), y.dim(2) * y.dim(3),
                plane, flag.address);
        if (check) throwIfFlagged("maxPool2dGather", indices, plane);
    }

    /** True (and the flag reset) unless the indices came from this backend's maxPool2d over planes of this size. */
    private boolean resetFlagUnlessTrusted(Tensor indices, int plane) {
        DeviceAllocator.Block b = block(indices);
        if (indices.size() == 0 || b != null && b.indexPlane == plane) return false;
        launcher.launch(FILL32, 1, flag.address, 1, Integer.MAX_VALUE);
        return true;
    }

    private void throwIfFlagged(String op, Tensor indices, int plane) {
        int at = readFlag();
        if (at != Integer.MAX_VALUE) {
            rt.toHost(scratch, addr(indices) + 4L * at, 4);
            throw new IllegalArgumentException(op + ": index " + scratch.get(ValueLayout.JAVA_INT, 0) + " at position " + at
                    + " outside the input plane of " + plane);
        }
        DeviceAllocator.Block b = block(indices);
        if (b != null) b.indexPlane = plane; // checked once, trusted from now on (until overwritten)
    }

    private int readFlag() {
        rt.toHost(scratch, flag.address, 4);
        return scratch.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    protected void avgPool2dKernel(Tensor x, Pool2dSpec spec, Tensor y) {
        launcher.launch(AVGPOOL, y.size(), addr(x), addr(y), pool(x.shape(), y.shape(), spec));
    }

    @Override
    protected void avgPool2dBackwardKernel(Tensor gy, Pool2dSpec spec, Tensor gx) {
        launcher.launch(AVGPOOL_BWD, gx.size(), addr(gy), addr(gx), pool(gx.shape(), gy.shape(), spec));
    }

    // ------------------------------------------------------------ softmax

    @Override
    protected void softmaxKernel(Tensor x, int a, boolean log, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        launcher.launch(SOFTMAX, (long) outer * inner, addr(x), addr(y), outer, x.dim(a), inner, log ? 1 : 0);
    }

    @Override
    protected void logSoftmaxBackwardKernel(Tensor gy, Tensor y, int a, Tensor gx) {
        int outer = (int) y.shape().sizeOf(0, a), inner = (int) y.shape().sizeOf(a + 1, y.rank());
        launcher.launch(LOGSOFTMAX_BWD, (long) outer * inner, addr(gy), addr(y), addr(gx), outer, y.dim(a), inner);
    }

    // ------------------------------------------------------------ batch norm

    /** Reduction over every axis but the channel axis 1. */
    private static Geometry.Reduction perChannel(Shape x) {
        boolean[] reduced = new boolean[x.rank()];
        Arrays.fill(reduced, true);
        reduced[1] = false;
        return Geometry.reduction(x.dims(), reduced);
    }

    @Override
    protected void batchNormTrainingKernel(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor var) {
        Geometry.Reduction r = perChannel(x.shape());
        reduceInto(ReduceOp.MEAN, 0, x, 0, 0, addr(mean), r);
        reduceInto(ReduceOp.MEAN, 1, x, 0, addr(mean), addr(var), r); // mean of (x - mean)^2: biased
        normalize(x, gamma, beta, mean, var, eps, y);
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps, Tensor y) {
        normalize(x, gamma, beta, mean, variance, eps, y);
    }

    private void normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor var, double eps, Tensor y) {
        launcher.launch(BN_FORWARD, x.size(), addr(x), addr(mean), addr(var), addr(gamma), addr(beta), addr(y), (int) x.size(),
                x.dim(1), (int) x.shape().sizeOf(2, x.rank()), eps);
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    protected void oneHotKernel(Tensor labels, int classes, Tensor y) {
        DType dtype = y.dtype();
        int n = labels.dim(0);
        if (dtype.byteSize() == 8) launcher.launch(FILL64, y.size(), addr(y), (int) y.size(), 0L);
        else fill(y, 0);
        DeviceAllocator.Block b = block(labels);
        boolean known = b != null && b.hasRange && b.min >= 0 && b.max < classes;
        if (!known) launcher.launch(FILL32, 1, flag.address, 1, Integer.MAX_VALUE);
        long one = dtype == DType.FLOAT32 ? Float.floatToRawIntBits(1f) : 1L;
        launcher.launch(ONEHOT, n, addr(labels), labels.dtype() == DType.INT64 ? 1 : 0, addr(y), dtype.byteSize() == 8 ? 1 : 0,
                one, n, classes, flag.address);
        if (!known) {
            int at = readFlag();
            if (at != Integer.MAX_VALUE) {
                rt.toHost(scratch, addr(labels) + (long) at * labels.dtype().byteSize(), labels.dtype().byteSize());
                long l = labels.dtype() == DType.INT64 ? scratch.get(ValueLayout.JAVA_LONG, 0) : scratch.get(ValueLayout.JAVA_INT, 0);
                throw new IllegalArgumentException("oneHot: label " + l + " at position " + at + " outside [0, " + classes + ")");
            }
        }
    }

    @Override
    protected void permuteKernel(Tensor x, int[] perm, Tensor y) {
        int r = perm.length;
        int[] dims = y.shape().dims(), src = new int[r];
        long[] inStrides = x.shape().strides();
        for (int i = 0; i < r; i++) src[i] = (int) inStrides[perm[i]];
        stridedCopy(x, addr(x), addr(y), x.size(), Geometry.strides(dims, src, Geometry.contiguous(dims)));
    }

    @Override
    protected void sliceKernel(Tensor x, int a, int start, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank()), n = y.dim(a);
        long from = addr(x) + (long) start * inner * x.dtype().byteSize();
        int[] dims = {outer, n, inner};
        stridedCopy(x, from, addr(y), y.size(), Geometry.strides(dims, new int[] {len * inner, inner, 1}, Geometry.contiguous(dims)));
    }

    @Override
    protected void concatKernel(List<Tensor> xs, int a, Tensor y) {
        Shape out = y.shape();
        int total = out.dim(a), outer = (int) out.sizeOf(0, a), inner = (int) out.sizeOf(a + 1, out.rank());
        long offset = 0;
        for (Tensor t : xs) {
            int n = t.dim(a);
            if (t.size() > 0) {
                int[] dims = {outer, n, inner};
                long to = addr(y) + offset * inner * y.dtype().byteSize();
                stridedCopy(t, addr(t), to, t.size(), Geometry.strides(dims, Geometry.contiguous(dims), new int[] {total * inner, inner, 1}));
            }
            offset += n;
        }
    }

    // ------------------------------------------------------------ checks and helpers

    private void open() {
        if (closed) throw new IllegalStateException("this cuda backend is closed");
    }

    private Gemm gemm() {
        if (gemm == null) throw new UnsupportedOperationException("cuBLAS is not loaded in this runtime");
        return gemm;
    }

    private CudnnConv conv() {
        if (conv == null) throw new UnsupportedOperationException("cuDNN is not loaded in this runtime");
        return conv;
    }

    /** The device address of a tensor (throws when its scope closed). */
    private static long addr(Tensor t) {
        return t.data().address();
    }

    private DeviceAllocator.Block block(Tensor t) {
        return alloc.find(addr(t));
    }

    private void tagRange(Tensor t, long min, long max) {
        DeviceAllocator.Block b = block(t);
        if (b != null) {
            b.hasRange = true;
            b.min = min;
            b.max = max;
        }
    }

    private static int code(DType d) {
        return switch (d) {
            case FLOAT32 -> 0;
            case INT32 -> 1;
            case INT64 -> 2;
            case FLOAT64 -> throw new IllegalArgumentException(FLOAT64_MESSAGE);
        };
    }
}
