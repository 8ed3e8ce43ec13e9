package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cudnn;
import dev.lipreg.bindings.cudnn.gen.cudnnConvolutionBwdDataAlgoPerfStruct;
import dev.lipreg.bindings.cudnn.gen.cudnnConvolutionBwdFilterAlgoPerfStruct;
import dev.lipreg.bindings.cudnn.gen.cudnnConvolutionFwdAlgoPerfStruct;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static dev.lipreg.bindings.cudnn.gen.cudnn_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Convolutions through cuDNN's legacy API: NCHW float tensors, groups via the group count,
 * dilation and padding in the convolution descriptor. Per shape (input, weights, geometry) a
 * plan holds the descriptors and, per direction, the algorithm cuDNN's heuristics rank first
 * among those whose workspace fits (chosen once, cached). Workspaces come from the caching
 * allocator. FMA math by default: TF32 tensor cores would miss float32 parity; set
 * LIPREG_CUDA_TF32=1 to allow them.
 */
final class CudnnConv implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudnnConv.class);
    static final long WORKSPACE_LIMIT = 1L << 30;
    private static final int FWD = 0, BWD_DATA = 1, BWD_FILTER = 2;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f), zero = arena.allocateFrom(JAVA_FLOAT, 0f);
    private final DeviceAllocator alloc;
    private final boolean tf32;
    private final Map<Key, Plan> plans = new HashMap<>();

    record Key(Shape x, Shape w, Conv2dSpec spec) {
    }

    /** Descriptors of one shape, and the chosen algorithm, workspace and math type per direction. */
    private final class Plan {
        final MemorySegment x, w, y, conv, bias;
        final int[] algo = {-1, -1, -1}, math = new int[3];
        final long[] workspace = new long[3];

        Plan(Key k, Shape ys) {
            x = tensor(k.x());
            y = tensor(ys);
            bias = tensor(Shape.of(1, k.w().dim(0), 1, 1));
            w = create(FILTER);
            Cudnn.check(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT(), CUDNN_TENSOR_NCHW(), k.w().dim(0), k.w().dim(1),
                    k.w().dim(2), k.w().dim(3)), "cudnnSetFilter4dDescriptor");
            conv = create(CONV);
            Conv2dSpec s = k.spec();
            Cudnn.check(cudnnSetConvolution2dDescriptor(conv, s.padH(), s.padW(), s.strideH(), s.strideW(), s.dilationH(),
                    s.dilationW(), CUDNN_CROSS_CORRELATION(), CUDNN_DATA_FLOAT()), "cudnnSetConvolution2dDescriptor");
            Cudnn.check(cudnnSetConvolutionGroupCount(conv, s.groups()), "cudnnSetConvolutionGroupCount");
            Cudnn.check(cudnnSetConvolutionMathType(conv, mathType()), "cudnnSetConvolutionMathType");
        }

        void destroy() {
            for (MemorySegment t : new MemorySegment[] {x, y, bias}) Cudnn.check(cudnnDestroyTensorDescriptor(t), "cudnnDestroyTensorDescriptor");
            Cudnn.check(cudnnDestroyFilterDescriptor(w), "cudnnDestroyFilterDescriptor");
            Cudnn.check(cudnnDestroyConvolutionDescriptor(conv), "cudnnDestroyConvolutionDescriptor");
        }
    }

    private static final int TENSOR = 0, FILTER = 1, CONV = 2;

    CudnnConv(MemorySegment stream, DeviceAllocator alloc, boolean tf32) {
        this.alloc = alloc;
        this.tf32 = tf32;
        MemorySegment out = arena.allocate(ADDRESS);
        Cudnn.check(cudnnCreate(out), "cudnnCreate");
        handle = out.get(ADDRESS, 0);
        Cudnn.check(cudnnSetStream(handle, stream), "cudnnSetStream");
    }

    private int mathType() {
        return tf32 ? CUDNN_DEFAULT_MATH() : CUDNN_FMA_MATH();
    }

    private MemorySegment create(int kind) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            switch (kind) {
                case TENSOR -> Cudnn.check(cudnnCreateTensorDescriptor(out), "cudnnCreateTensorDescriptor");
                case FILTER -> Cudnn.check(cudnnCreateFilterDescriptor(out), "cudnnCreateFilterDescriptor");
                default -> Cudnn.check(cudnnCreateConvolutionDescriptor(out), "cudnnCreateConvolutionDescriptor");
            }
            return out.get(ADDRESS, 0);
        }
    }

    private MemorySegment tensor(Shape s) {
        MemorySegment d = create(TENSOR);
        Cudnn.check(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW(), CUDNN_DATA_FLOAT(), s.dim(0), s.dim(1), s.dim(2), s.dim(3)),
                "cudnnSetTensor4dDescriptor");
        return d;
    }

    private Plan plan(Shape x, Shape w, Conv2dSpec spec, Shape y) {
        return plans.computeIfAbsent(new Key(x, w, spec), k -> new Plan(k, y));
    }

    /** y = conv(x, w) (+ bias per channel when bias != 0). */
    void forward(Shape xs, Shape ws, Conv2dSpec spec, Shape ys, long x, long w, long bias, long y) {
        Plan p = plan(xs, ws, spec, ys);
        choose(p, FWD);
        try (DeviceAllocator.Block work = alloc.allocate(p.workspace[FWD])) {
            Cudnn.check(cudnnSetConvolutionMathType(p.conv, p.math[FWD]), "cudnnSetConvolutionMathType");
            Cudnn.check(cudnnConvolutionForward(handle, one, p.x, ptr(x), p.w, ptr(w), p.conv, p.algo[FWD], ptr(work.address),
                    p.workspace[FWD], zero, p.y, ptr(y)), "cudnnConvolutionForward");
        }
        if (bias != 0) {
            Cudnn.check(cudnnAddTensor(handle, one, p.bias, ptr(bias), one, p.y, ptr(y)), "cudnnAddTensor");
        }
    }

    /** gx = the transposed convolution of gy with w. */
    void backwardData(Shape xs, Shape ws, Conv2dSpec spec, Shape ys, long gy, long w, long gx) {
        Plan p = plan(xs, ws, spec, ys);
        choose(p, BWD_DATA);
        try (DeviceAllocator.Block work = alloc.allocate(p.workspace[BWD_DATA])) {
            Cudnn.check(cudnnSetConvolutionMathType(p.conv, p.math[BWD_DATA]), "cudnnSetConvolutionMathType");
            Cudnn.check(cudnnConvolutionBackwardData(handle, one, p.w, ptr(w), p.y, ptr(gy), p.conv, p.algo[BWD_DATA],
                    ptr(work.address), p.workspace[BWD_DATA], zero, p.x, ptr(gx)), "cudnnConvolutionBackwardData");
        }
    }

    /** gw = the correlation of x with gy. */
    void backwardFilter(Shape xs, Shape ws, Conv2dSpec spec, Shape ys, long x, long gy, long gw) {
        Plan p = plan(xs, ws, spec, ys);
        choose(p, BWD_FILTER);
        try (DeviceAllocator.Block work = alloc.allocate(p.workspace[BWD_FILTER])) {
            Cudnn.check(cudnnSetConvolutionMathType(p.conv, p.math[BWD_FILTER]), "cudnnSetConvolutionMathType");
            Cudnn.check(cudnnConvolutionBackwardFilter(handle, one, p.x, ptr(x), p.y, ptr(gy), p.conv, p.algo[BWD_FILTER],
                    ptr(work.address), p.workspace[BWD_FILTER], zero, p.w, ptr(gw)), "cudnnConvolutionBackwardFilter");
        }
    }

    /**
     * Asks cuDNN's heuristics (the _v7 queries) for the ranked algorithms of one direction and
     * keeps the first that succeeded, fits the workspace limit and, unless TF32 is allowed,
     * runs in FMA math; then asks the workspace size for it.
     */
    private void choose(Plan p, int dir) {
        if (p.algo[dir] >= 0) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT), returned = a.allocate(JAVA_INT);
            long structBytes = switch (dir) {
                case FWD -> cudnnConvolutionFwdAlgoPerfStruct.layout().byteSize();
                case BWD_DATA -> cudnnConvolutionBwdDataAlgoPerfStruct.layout().byteSize();
                default -> cudnnConvolutionBwdFilterAlgoPerfStruct.layout().byteSize();
            };
            switch (dir) {
                case FWD -> Cudnn.check(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, count), "cudnnGetConvolutionForwardAlgorithmMaxCount");
                case BWD_DATA -> Cudnn.check(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, count),
                        "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
                default -> Cudnn.check(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, count),
                        "cudnnGetConvolutionBackwardFilterAlgorithmMaxCount");
            }
            int max = Math.max(1, count.get(JAVA_INT, 0));
            MemorySegment perf = a.allocate(structBytes * max, 8);
            switch (dir) {
                case FWD -> Cudnn.check(cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x, p.w, p.conv, p.y, max, returned, perf),
                        "cudnnGetConvolutionForwardAlgorithm_v7");
                case BWD_DATA -> Cudnn.check(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.y, p.conv, p.x, max, returned, perf),
                        "cudnnGetConvolutionBackwardDataAlgorithm_v7");
                default -> Cudnn.check(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.x, p.y, p.conv, p.w, max, returned, perf),
                        "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
            }
            int chosen = -1;
            for (int i = 0; i < returned.get(JAVA_INT, 0) && chosen < 0; i++) {
                MemorySegment s = perf.asSlice(i * structBytes, structBytes);
                int status = switch (dir) {
                    case FWD -> cudnnConvolutionFwdAlgoPerfStruct.status(s);
                    case BWD_DATA -> cudnnConvolutionBwdDataAlgoPerfStruct.status(s);
                    default -> cudnnConvolutionBwdFilterAlgoPerfStruct.status(s);
                };
                int math = switch (dir) {
                    case FWD -> cudnnConvolutionFwdAlgoPerfStruct.mathType(s);
                    case BWD_DATA -> cudnnConvolutionBwdDataAlgoPerfStruct.mathType(s);
                    default -> cudnnConvolutionBwdFilterAlgoPerfStruct.mathType(s);
                };
                long memory = switch (dir) {
                    case FWD -> cudnnConvolutionFwdAlgoPerfStruct.memory(s);
                    case BWD_DATA -> cudnnConvolutionBwdDataAlgoPerfStruct.memory(s);
                    default -> cudnnConvolutionBwdFilterAlgoPerfStruct.memory(s);
                };
                boolean fp32 = math == CUDNN_FMA_MATH() || math == CUDNN_DEFAULT_MATH();
                if (status == CUDNN_STATUS_SUCCESS() && memory <= WORKSPACE_LIMIT && (tf32 || fp32)) {
                    chosen = switch (dir) {
                        case FWD -> cudnnConvolutionFwdAlgoPerfStruct.algo(s);
                        case BWD_DATA -> cudnnConvolutionBwdDataAlgoPerfStruct.algo(s);
                        default -> cudnnConvolutionBwdFilterAlgoPerfStruct.algo(s);
                    };
                }
            }
            // algorithm 0 (implicit GEMM / ALGO_0) supports every geometry in plain FMA math
            if (chosen < 0) chosen = 0;
            int chosenMath = mathType();
            Cudnn.check(cudnnSetConvolutionMathType(p.conv, chosenMath), "cudnnSetConvolutionMathType");
            MemorySegment bytes = a.allocate(JAVA_LONG);
            switch (dir) {
                case FWD -> Cudnn.check(cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, p.conv, p.y, chosen, bytes),
                        "cudnnGetConvolutionForwardWorkspaceSize");
                case BWD_DATA -> Cudnn.check(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, p.w, p.y, p.conv, p.x, chosen, bytes),
                        "cudnnGetConvolutionBackwardDataWorkspaceSize");
                default -> Cudnn.check(cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, p.x, p.y, p.conv, p.w, chosen, bytes),
                        "cudnnGetConvolutionBackwardFilterWorkspaceSize");
            }
            p.algo[dir] = chosen;
            p.math[dir] = chosenMath;
            p.workspace[dir] = bytes.get(JAVA_LONG, 0);
            LOG.debug("cuDNN conv direction {} algorithm {} (math {}, workspace {} bytes)", dir, chosen, chosenMath, p.workspace[dir]);
        }
    }

    private static MemorySegment ptr(long address) {
        return MemorySegment.ofAddress(address);
    }

    /** Number of cached plans (shapes). */
    int plans() {
        return plans.size();
    }

    /** Destroys the cached descriptors (they are rebuilt on demand). */
    void clear() {
        plans.values().forEach(Plan::destroy);
        plans.clear();
    }

    @Override
    public void close() {
        try {
            clear();
            Cudnn.check(cudnnDestroy(handle), "cudnnDestroy");
        } finally {
            arena.close();
        }
    }
}
