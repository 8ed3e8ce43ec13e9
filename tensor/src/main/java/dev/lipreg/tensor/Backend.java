package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The kernels under autograd. Every op allocates its result in the current
 * {@link Scope}, leaves its inputs untouched, and rejects bad shapes or dtypes
 * with an {@link IllegalArgumentException} naming the op and the shapes.
 * Implementations extend {@link KernelBackend}, which does those checks once
 * for all of them: {@code ReferenceBackend} (pure Java, the oracle),
 * {@code DnnlBackend} (oneDNN), {@code CudaBackend} (cuBLAS/cuDNN).
 * All tensors passed to one call must belong to this backend.
 */
public interface Backend {

    /** Short name used by LIPREG_BACKEND: "reference", "dnnl", "cuda". */
    String name();

    Device device();

    boolean supports(DType dtype);

    // ------------------------------------------------------------ memory

    /** Uninitialized tensor. */
    Tensor empty(Shape shape, DType dtype);

    Tensor full(Shape shape, DType dtype, double value);

    /** Tensor holding a copy of {@code host}, whose bytes are laid out as dtype in row-major order. */
    Tensor fromHost(MemorySegment host, Shape shape, DType dtype);

    /** A host copy of a device tensor (host backends return their own memory). */
    MemorySegment toHost(Tensor t);

    default Tensor fromArray(float[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.FLOAT32);
    }

    default Tensor fromArray(double[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.FLOAT64);
    }

    default Tensor fromArray(long[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.INT64);
    }

    Tensor copy(Tensor x);

    Tensor cast(Tensor x, DType to);

    /** Overwrites {@code dst} (same shape and dtype) with {@code src}: parameter updates. */
    void copyInto(Tensor dst, Tensor src);

    // ------------------------------------------------------------ element-wise

    /** f(x) element-wise; {@code alpha} as in {@link UnaryOp}. */
    Tensor unary(UnaryOp op, Tensor x, double alpha);

    default Tensor unary(UnaryOp op, Tensor x) {
        return unary(op, x, 0);
    }

    /** gy · f'(x) element-wise: the fused backward of {@link #unary}. */
    Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha);

    /** a op b with numpy broadcasting; both the same floating dtype. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** x · scale + shift. */
    Tensor affine(Tensor x, double scale, double shift);

    /** min(max(x, lo), hi). */
    Tensor clamp(Tensor x, double lo, double hi);

    // ------------------------------------------------------------ reductions and broadcasting

    /** Reduces {@code axes} (all axes when empty). */
    Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims);

    /** INT64 index of the first maximum along {@code axis}, that axis removed. */
    Tensor argmax(Tensor x, int axis);

    /** Repeats x along size-1 or missing leading axes to {@code shape}. */
    Tensor broadcastTo(Tensor x, Shape shape);

    // ------------------------------------------------------------ linear algebra

    /** op(a) · op(b) for 2-d a, b, op = transpose when the flag is set. */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB);

    /** x [N,in] · wᵀ [in,out] + bias [out] (bias may be null): a fully connected layer. */
    default Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = matmul(x, w, false, true);
        return bias == null ? y : binary(BinaryOp.ADD, y, bias);
    }

    // ------------------------------------------------------------ convolution

    /** Cross-correlation of x [N,C,H,W] with w [OC,C/g,KH,KW], plus bias [OC] when not null. */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec);

    /** Gradient with respect to the input: the transposed convolution of gy with w. */
    Tensor conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, Conv2dSpec spec);

    /** Gradient with respect to the weights. */
    Tensor conv2dBackwardWeights(Tensor x, Tensor gy, Shape wShape, Conv2dSpec spec);

    // ------------------------------------------------------------ pooling

    MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec);

    /** Scatter-adds gy into a zero tensor of xShape at {@code indices} (from {@link #maxPool2d}). */
    Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec);

    /** Reads gx (x-shaped) at {@code indices}: the derivative of the backward with respect to gy. */
    Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec);

    Tensor avgPool2d(Tensor x, Pool2dSpec spec);

    Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec);

    // ------------------------------------------------------------ softmax

    Tensor softmax(Tensor x, int axis);

    Tensor logSoftmax(Tensor x, int axis);

    /** gy - exp(y) · Σ_axis gy for y = logSoftmax(x). */
    Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis);

    // ------------------------------------------------------------ batch norm (per channel of [N,C,...])

    BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps);

    Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps);

    // ------------------------------------------------------------ indexing and layout

    /** [N] INT64 labels → [N, classes] one-hot in {@code dtype}; labels out of range are rejected. */
    Tensor oneHot(Tensor labels, int classes, DType dtype);

    Tensor permute(Tensor x, int... axes);

    /** Elements start..end-1 along {@code axis}. */
    Tensor slice(Tensor x, int axis, int start, int end);

    Tensor concat(List<Tensor> xs, int axis);
}
