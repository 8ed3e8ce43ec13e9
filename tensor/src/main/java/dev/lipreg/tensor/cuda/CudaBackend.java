package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Availability;
import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BatchNormGrads;
import dev.lipreg.tensor.BatchNormResult;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.OpChecks;
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
import java.util.function.Supplier;

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
 * FLOAT64 is refused. Ops on one instance are serialized (synchronized), as for the oneDNN
 * backend; {@link #create()} gives a thread its own stream, allocator and handles.
 *
 * <p>Checks that need device data (label range of oneHot, index range of the max-pool scatter and
 * gather) avoid a device round trip when the data is known: labels uploaded by {@link #fromHost}
 * carry their range, and indices made by {@link #maxPool2d} are in range by construction. Other
 * data is checked by the kernel, which records the first bad position for the host to read.
 */
public final class CudaBackend implements Backend, AutoCloseable {
    static final String FLOAT64_MESSAGE = "cuda backend computes in FLOAT32; use the reference backend for FLOAT64";
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
     */
    public static CudaBackend instance() {
        if (Shared.FAILURE != null) {
            throw Shared.FAILURE instanceof NativeUnavailableException n ? n
                    : new NativeUnavailableException("cuda backend unavailable: " + Shared.FAILURE.getMessage(), Shared.FAILURE);
        }
        return Shared.INSTANCE;
    }

    /** A backend with its own stream, allocator, kernels and handles, released by {@link #close()}. */
    public static CudaBackend create() {
        return open(false);
    }

    /** Whether a GPU and the CUDA libraries are usable here, and why not; never throws. */
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

    /** Device bytes held by this backend's allocator (in use plus cached). */
    public long reservedBytes() {
        return alloc.reservedBytes();
    }

    /** Device bytes held by tensors of open scopes. */
    public long inUseBytes() {
        return alloc.inUseBytes();
    }

    /** Number of the backend's own kernels launched so far (cuBLAS and cuDNN calls not counted). */
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

    // ------------------------------------------------------------ memory

    @Override
    public synchronized Tensor empty(Shape shape, DType dtype) {
        storable("empty", dtype);
        return allocate(shape, dtype);
    }

    private Tensor allocate(Shape shape, DType dtype) {
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
    public synchronized Tensor full(Shape shape, DType dtype, double value) {
        Tensor t = empty(shape, dtype);
        switch (dtype) {
            case FLOAT32 -> fill(t, Float.floatToRawIntBits((float) value));
            case INT32 -> fill(t, (int) value);
            default -> launcher.launch(FILL64, t.size(), addr(t), (int) t.size(), (long) value);
        }
        if (dtype == DType.INT32 || dtype == DType.INT64) {
            long v = dtype == DType.INT32 ? (int) value : (long) value;
            tagRange(t, v, v);
        }
        return t;
    }

    private void fill(Tensor t, int bits) {
        launcher.launch(FILL32, t.size(), addr(t), (int) t.size(), bits);
    }

    @Override
    public synchronized Tensor fromHost(MemorySegment host, Shape shape, DType dtype) {
        storable("fromHost", dtype);
        long bytes = shape.size() * dtype.byteSize();
        if (host.byteSize() != bytes) {
            throw new IllegalArgumentException("fromHost: " + host.byteSize() + " bytes given for " + dtype + shape + " (" + bytes + " bytes)");
        }
        Tensor t = allocate(shape, dtype);
        if (bytes == 0) return t;
        if (host.isNative()) {
            rt.toDevice(addr(t), host, bytes);
        } else {
            try (Arena staging = Arena.ofConfined()) { // the runtime copies from native memory only
                MemorySegment s = staging.allocate(bytes, 8);
                s.copyFrom(host);
                rt.toDevice(addr(t), s, bytes);
            }
        }
        if (dtype == DType.INT32 || dtype == DType.INT64) {
            // labels: know their range now, so oneHot needs no device round trip
            long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
            for (long i = 0; i < shape.size(); i++) {
                long v = dtype == DType.INT32 ? host.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) : host.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            tagRange(t, min, max);
        }
        return t;
    }

    @Override
    public synchronized MemorySegment toHost(Tensor t) {
        own(t);
        MemorySegment host = Scope.current().allocate(t.byteSize());
        if (t.byteSize() > 0) rt.toHost(host, addr(t), t.byteSize());
        return host;
    }

    @Override
    public synchronized Tensor copy(Tensor x) {
        own(x);
        Tensor y = allocate(x.shape(), x.dtype());
        if (x.byteSize() > 0) {
            rt.copy(addr(y), addr(x), x.byteSize());
            block(y).copyTagsFrom(block(x));
        }
        return y;
    }

    @Override
    public synchronized Tensor cast(Tensor x, DType to) {
        own(x);
        storable("cast", to);
        if (x.dtype() == to) return copy(x);
        Tensor y = allocate(x.shape(), to);
        launcher.launch(CAST, x.size(), addr(x), code(x.dtype()), addr(y), code(to), (int) x.size());
        return y;
    }

    @Override
    public synchronized void copyInto(Tensor dst, Tensor src) {
        own(dst);
        own(src);
        if (!dst.shape().equals(src.shape()) || dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("copyInto: destination " + dst.dtype() + dst.shape() + " differs from source "
                    + src.dtype() + src.shape());
        }
        if (src.byteSize() == 0) return;
        rt.copy(addr(dst), addr(src), src.byteSize());
        DeviceAllocator.Block d = block(dst);
        if (d != null) d.copyTagsFrom(block(src));
    }

    // ------------------------------------------------------------ element-wise

    @Override
    public synchronized Tensor unary(UnaryOp op, Tensor x, double alpha) {
        float32("unary " + op, x);
        Tensor y = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(UNARY, x.size(), addr(x), addr(y), (int) x.size(), op.ordinal(), (float) alpha);
        return y;
    }

    @Override
    public synchronized Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha) {
        float32("unaryBackward " + op, gy, x);
        OpChecks.sameShape("unaryBackward " + op, gy, x);
        Tensor gx = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(UNARY_BWD, x.size(), addr(gy), addr(x), addr(gx), (int) x.size(), op.ordinal(), (float) alpha);
        return gx;
    }

    @Override
    public synchronized Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        float32("binary " + op, a, b);
        Shape out = OpChecks.named("binary " + op, () -> Shape.broadcast(a.shape(), b.shape()));
        Tensor y = allocate(out, DType.FLOAT32);
        if (out.size() == 0) return y;
        int[] s = Geometry.strides(out.dims(), Geometry.broadcastStrides(a.shape(), out), Geometry.broadcastStrides(b.shape(), out));
        launcher.launch(BINARY, out.size(), addr(a), addr(b), addr(y), (int) out.size(), op.ordinal(), s);
        return y;
    }

    @Override
    public synchronized Tensor affine(Tensor x, double scale, double shift) {
        float32("affine", x);
        Tensor y = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(AFFINE, x.size(), addr(x), addr(y), (int) x.size(), scale, shift);
        return y;
    }

    @Override
    public synchronized Tensor clamp(Tensor x, double lo, double hi) {
        float32("clamp", x);
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " above upper bound " + hi);
        Tensor y = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(CLAMP, x.size(), addr(x), addr(y), (int) x.size(), lo, hi);
        return y;
    }

    // ------------------------------------------------------------ reductions and broadcasting

    @Override
    public synchronized Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        float32("reduce " + op, x);
        int[] ax = axes.length == 0 ? OpChecks.allAxes(x.rank()) : axes;
        Shape kept = OpChecks.named("reduce " + op, () -> x.shape().keeping(ax)); // validates the axes
        boolean[] reduced = new boolean[x.rank()];
        for (int a : ax) reduced[x.shape().axis(a)] = true;
        Tensor y = allocate(keepDims ? kept : x.shape().without(ax), DType.FLOAT32);
        reduceInto(op, 0, x, 0, 0, addr(y), Geometry.reduction(x.shape().dims(), reduced));
        return y;
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
    public synchronized Tensor argmax(Tensor x, int axis) {
        float32("argmax", x);
        int a = OpChecks.axis("argmax", x.shape(), axis);
        int len = x.dim(a);
        if (len == 0) throw new IllegalArgumentException("argmax: axis " + a + " of " + x.shape() + " is empty");
        Tensor y = allocate(x.shape().without(a), DType.INT64);
        int outer = (int) x.shape().sizeOf(0, a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        launcher.launch(ARGMAX, (long) outer * inner, addr(x), addr(y), outer, len, inner);
        return y;
    }

    @Override
    public synchronized Tensor broadcastTo(Tensor x, Shape shape) {
        own(x);
        storable("broadcastTo", x.dtype());
        if (!x.shape().broadcastsTo(shape)) {
            throw new IllegalArgumentException("broadcastTo: " + x.shape() + " cannot broadcast to " + shape);
        }
        Tensor y = allocate(shape, x.dtype());
        int[] d = shape.dims();
        stridedCopy(x, addr(x), y, addr(y), shape.size(), Geometry.strides(d, Geometry.broadcastStrides(x.shape(), shape), Geometry.contiguous(d)));
        return y;
    }

    private void stridedCopy(Tensor like, long src, Tensor dstTensor, long dst, long n, int[] s) {
        launcher.launch(like.dtype().byteSize() == 8 ? COPY64 : COPY32, n, src, dst, (int) n, s);
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
        Tensor c = allocate(Shape.of(m, n), DType.FLOAT32);
        if (m == 0 || n == 0) return c;
        if (k == 0) {
            fill(c, 0);
            return c;
        }
        gemm().run(m, n, k, transA, transB, addr(a), a.dim(1), addr(b), b.dim(1), addr(c), false);
        return c;
    }

    /** The bias broadcast into the output, then one SGEMM accumulating onto it. */
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
        Shape out = Shape.of(x.dim(0), w.dim(0));
        Tensor y = allocate(out, DType.FLOAT32);
        if (out.size() == 0) return y;
        int[] d = out.dims();
        stridedCopy(bias, addr(bias), y, addr(y), out.size(), Geometry.strides(d, new int[] {0, 1}, Geometry.contiguous(d)));
        if (x.dim(1) > 0) gemm().run(x.dim(0), w.dim(0), x.dim(1), false, true, addr(x), x.dim(1), addr(w), w.dim(1), addr(y), true);
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
        Tensor y = allocate(out, DType.FLOAT32);
        if (out.size() == 0) return y;
        if (x.dim(1) == 0 || w.size() == 0) return zerosPlusBias(y, bias);
        conv().forward(x.shape(), w.shape(), spec, out, addr(x), addr(w), bias == null ? 0 : addr(bias), addr(y));
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
        Tensor gx = allocate(xShape, DType.FLOAT32);
        if (xShape.size() == 0) return gx;
        if (out.size() == 0 || w.size() == 0) return zerosPlusBias(gx, null);
        conv().backwardData(xShape, w.shape(), spec, out, addr(gy), addr(w), addr(gx));
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
        Tensor gw = allocate(wShape, DType.FLOAT32);
        if (wShape.size() == 0) return gw;
        if (out.size() == 0) return zerosPlusBias(gw, null);
        conv().backwardFilter(x.shape(), wShape, spec, out, addr(x), addr(gy), addr(gw));
        return gw;
    }

    /** Degenerate convolutions (no input channels, empty batch): zeros, plus the bias per channel. */
    private Tensor zerosPlusBias(Tensor y, Tensor bias) {
        if (bias == null) {
            fill(y, 0);
            return y;
        }
        int[] d = y.shape().dims();
        int[] sb = new int[d.length];
        sb[1] = 1;
        stridedCopy(bias, addr(bias), y, addr(y), y.size(), Geometry.strides(d, sb, Geometry.contiguous(d)));
        return y;
    }

    // ------------------------------------------------------------ pooling

    private static int[] pool(Shape x, Shape out, Pool2dSpec s) {
        return new int[] {x.dim(0) * x.dim(1), x.dim(2), x.dim(3), out.dim(2), out.dim(3), s.kernelH(), s.kernelW(),
                s.strideH(), s.strideW(), s.padH(), s.padW(), s.countIncludePad() ? 1 : 0};
    }

    @Override
    public synchronized MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec) {
        float32("maxPool2d", x);
        Shape out = spec.outputShape(x.shape());
        Tensor y = allocate(out, DType.FLOAT32), idx = allocate(out, DType.INT32);
        launcher.launch(MAXPOOL, out.size(), addr(x), addr(y), addr(idx), pool(x.shape(), out, spec));
        DeviceAllocator.Block b = block(idx);
        if (b != null) b.indexPlane = (long) x.dim(2) * x.dim(3);
        return new MaxPoolResult(y, idx);
    }

    @Override
    public synchronized Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec) {
        float32("maxPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        checkIndices("maxPool2dBackward", gy.shape(), indices, out);
        Tensor gx = allocate(xShape, DType.FLOAT32);
        fill(gx, 0);
        int plane = xShape.dim(2) * xShape.dim(3);
        boolean check = resetFlagUnlessTrusted(indices, plane);
        launcher.launch(MAXPOOL_SCATTER, out.size(), addr(gy), addr(indices), addr(gx), (int) out.size(), out.dim(2) * out.dim(3),
                plane, flag.address);
        if (check) throwIfFlagged("maxPool2dBackward", indices, plane);
        return gx;
    }

    @Override
    public synchronized Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec) {
        float32("maxPool2dGather", gx);
        Shape out = spec.outputShape(gx.shape());
        checkIndices("maxPool2dGather", indices.shape(), indices, out);
        Tensor r = allocate(out, DType.FLOAT32);
        int plane = gx.dim(2) * gx.dim(3);
        boolean check = resetFlagUnlessTrusted(indices, plane);
        launcher.launch(MAXPOOL_GATHER, out.size(), addr(gx), addr(indices), addr(r), (int) out.size(), out.dim(2) * out.dim(3),
                plane, flag.address);
        if (check) throwIfFlagged("maxPool2dGather", indices, plane);
        return r;
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
    public synchronized Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        float32("avgPool2d", x);
        Shape out = spec.outputShape(x.shape());
        Tensor y = allocate(out, DType.FLOAT32);
        launcher.launch(AVGPOOL, out.size(), addr(x), addr(y), pool(x.shape(), out, spec));
        return y;
    }

    @Override
    public synchronized Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec) {
        float32("avgPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("avgPool2dBackward: gradient " + gy.shape() + " does not match output " + out + " of input " + xShape);
        }
        Tensor gx = allocate(xShape, DType.FLOAT32);
        launcher.launch(AVGPOOL_BWD, xShape.size(), addr(gy), addr(gx), pool(xShape, out, spec));
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
        Tensor y = allocate(x.shape(), DType.FLOAT32);
        int outer = (int) x.shape().sizeOf(0, a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        if (x.size() > 0) launcher.launch(SOFTMAX, (long) outer * inner, addr(x), addr(y), outer, x.dim(a), inner, log ? 1 : 0);
        return y;
    }

    @Override
    public synchronized Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis) {
        float32("logSoftmaxBackward", gy, y);
        OpChecks.sameShape("logSoftmaxBackward", gy, y);
        int a = OpChecks.axis("logSoftmaxBackward", y.shape(), axis);
        Tensor gx = allocate(y.shape(), DType.FLOAT32);
        int outer = (int) y.shape().sizeOf(0, a), inner = (int) y.shape().sizeOf(a + 1, y.rank());
        if (y.size() > 0) launcher.launch(LOGSOFTMAX_BWD, (long) outer * inner, addr(gy), addr(y), addr(gx), outer, y.dim(a), inner);
        return gx;
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
    public synchronized BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps) {
        float32("batchNormTraining", x, gamma, beta);
        int c = channels("batchNormTraining", x, gamma, beta);
        Tensor mean = allocate(Shape.of(c), DType.FLOAT32), var = allocate(Shape.of(c), DType.FLOAT32);
        Geometry.Reduction r = perChannel(x.shape());
        reduceInto(ReduceOp.MEAN, 0, x, 0, 0, addr(mean), r);
        reduceInto(ReduceOp.MEAN, 1, x, 0, addr(mean), addr(var), r); // mean of (x - mean)^2: biased
        return new BatchNormResult(normalize(x, gamma, beta, mean, var, eps), mean, var);
    }

    @Override
    public synchronized Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps) {
        float32("batchNormInference", x, gamma, beta, mean, variance);
        channels("batchNormInference", x, gamma, beta, mean, variance);
        return normalize(x, gamma, beta, mean, variance, eps);
    }

    private Tensor normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor var, double eps) {
        Tensor y = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(BN_FORWARD, x.size(), addr(x), addr(mean), addr(var), addr(gamma), addr(beta), addr(y), (int) x.size(),
                x.dim(1), (int) x.shape().sizeOf(2, x.rank()), eps);
        return y;
    }

    @Override
    public synchronized BatchNormGrads batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor variance, double eps) {
        float32("batchNormBackward", gy, x, gamma, mean, variance);
        OpChecks.sameShape("batchNormBackward", gy, x);
        int c = channels("batchNormBackward", x, gamma, mean, variance);
        Geometry.Reduction r = perChannel(x.shape());
        Tensor gBeta = allocate(Shape.of(c), DType.FLOAT32), gGamma = allocate(Shape.of(c), DType.FLOAT32);
        reduceInto(ReduceOp.SUM, 0, gy, 0, 0, addr(gBeta), r);
        try (DeviceAllocator.Block raw = alloc.allocate(4L * c)) {
            reduceInto(ReduceOp.SUM, 2, x, addr(gy), addr(mean), raw.address, r); // sum((x - mean) * gy)
            launcher.launch(BN_DGAMMA, c, raw.address, addr(variance), addr(gGamma), c, eps);
        }
        Tensor gx = allocate(x.shape(), DType.FLOAT32);
        launcher.launch(BN_BACKWARD, x.size(), addr(gy), addr(x), addr(mean), addr(variance), addr(gamma), addr(gBeta), addr(gGamma),
                addr(gx), (int) x.size(), c, (int) x.shape().sizeOf(2, x.rank()), eps);
        return new BatchNormGrads(gx, gGamma, gBeta);
    }

    private static int channels(String op, Tensor x, Tensor... perChannel) {
        int c = OpChecks.channels(op, x, perChannel);
        if (x.size() == 0) throw new IllegalArgumentException(op + ": input " + x.shape() + " is empty");
        return c;
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    public synchronized Tensor oneHot(Tensor labels, int classes, DType dtype) {
        own(labels);
        storable("oneHot", dtype);
        if (labels.rank() != 1 || labels.dtype().isFloating()) {
            throw new IllegalArgumentException("oneHot: labels must be a 1-d integer tensor, got " + labels.dtype() + labels.shape());
        }
        if (classes < 0) throw new IllegalArgumentException("oneHot: classes must be >= 0, got " + classes);
        int n = labels.dim(0);
        Tensor y = allocate(Shape.of(n, classes), dtype);
        if (dtype.byteSize() == 8) launcher.launch(FILL64, y.size(), addr(y), (int) y.size(), 0L);
        else fill(y, 0);
        if (n == 0) return y;
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
        return y;
    }

    @Override
    public synchronized Tensor permute(Tensor x, int... axes) {
        own(x);
        storable("permute", x.dtype());
        int[] perm = OpChecks.permutation(x.shape(), axes);
        int r = perm.length;
        int[] dims = new int[r], src = new int[r];
        long[] inStrides = x.shape().strides();
        for (int i = 0; i < r; i++) {
            dims[i] = x.dim(perm[i]);
            src[i] = (int) inStrides[perm[i]];
        }
        Tensor y = allocate(Shape.of(dims), x.dtype());
        stridedCopy(x, addr(x), y, addr(y), x.size(), Geometry.strides(dims, src, Geometry.contiguous(dims)));
        return y;
    }

    @Override
    public synchronized Tensor slice(Tensor x, int axis, int start, int end) {
        own(x);
        storable("slice", x.dtype());
        int a = OpChecks.slice(x.shape(), axis, start, end);
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank()), n = end - start;
        Tensor y = allocate(x.shape().withDim(a, n), x.dtype());
        if (y.size() == 0) return y;
        long from = addr(x) + (long) start * inner * x.dtype().byteSize();
        int[] dims = {outer, n, inner};
        stridedCopy(x, from, y, addr(y), y.size(), Geometry.strides(dims, new int[] {len * inner, inner, 1}, Geometry.contiguous(dims)));
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
        Tensor y = allocate(out, first.dtype());
        if (out.size() == 0) return y;
        int outer = (int) out.sizeOf(0, a), inner = (int) out.sizeOf(a + 1, out.rank());
        long offset = 0;
        for (Tensor t : xs) {
            int n = t.dim(a);
            if (t.size() > 0) {
                int[] dims = {outer, n, inner};
                long to = addr(y) + offset * inner * first.dtype().byteSize();
                stridedCopy(t, addr(t), y, to, t.size(), Geometry.strides(dims, Geometry.contiguous(dims), new int[] {total * inner, inner, 1}));
            }
            offset += n;
        }
        return y;
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

    private void own(Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException("tensor " + t.dtype() + t.shape() + " belongs to backend '" + t.backend().name()
                    + "'" + (t.backend() instanceof CudaBackend ? " (another instance)" : "")
                    + ", not this 'cuda' backend: move it with tensor.to(backend)");
        }
        open();
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

}
