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

    /**
     * Short name used by LIPREG_BACKEND: "reference", "dnnl", "cuda".
     *
     * @return the name
     */
    String name();

    /** {@return the device this backend's tensors live on} */
    Device device();

    /**
     * Whether this backend holds tensors of {@code dtype}.
     *
     * @param dtype the element type
     * @return whether it does
     */
    boolean supports(DType dtype);

    // ------------------------------------------------------------ memory

    /**
     * Uninitialized tensor.
     *
     * @param shape the shape
     * @param dtype the element type
     * @return the tensor, in the current scope
     */
    Tensor empty(Shape shape, DType dtype);

    /**
     * A tensor filled with {@code value}.
     *
     * @param shape the shape
     * @param dtype the element type
     * @param value the value
     * @return the tensor, in the current scope
     */
    Tensor full(Shape shape, DType dtype, double value);

    /**
     * Tensor holding a copy of {@code host}, whose bytes are laid out as dtype in row-major order.
     *
     * @param host  the bytes, row-major in native order
     * @param shape the shape
     * @param dtype the element type
     * @return the tensor, in the current scope
     */
    Tensor fromHost(MemorySegment host, Shape shape, DType dtype);

    /**
     * A host copy of a device tensor (host backends return their own memory).
     *
     * @param t a tensor of this backend
     * @return its bytes on the host
     */
    MemorySegment toHost(Tensor t);

    /**
     * A float32 tensor of {@code values}.
     *
     * @param values the values, row-major
     * @param shape  the shape
     * @return the tensor, in the current scope
     */
    default Tensor fromArray(float[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.FLOAT32);
    }

    /**
     * A float64 tensor of {@code values}.
     *
     * @param values the values, row-major
     * @param shape  the shape
     * @return the tensor, in the current scope
     */
    default Tensor fromArray(double[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.FLOAT64);
    }

    /**
     * An int64 tensor of {@code values}.
     *
     * @param values the values, row-major
     * @param shape  the shape
     * @return the tensor, in the current scope
     */
    default Tensor fromArray(long[] values, Shape shape) {
        return fromHost(MemorySegment.ofArray(values), shape, DType.INT64);
    }

    /**
     * A copy of {@code x}.
     *
     * @param x the tensor
     * @return the copy, in the current scope
     */
    Tensor copy(Tensor x);

    /**
     * {@code x} converted to {@code to} (floats to integers truncate).
     *
     * @param x  the tensor
     * @param to the new element type
     * @return the converted tensor, in the current scope
     */
    Tensor cast(Tensor x, DType to);

    /**
     * Overwrites {@code dst} (same shape and dtype) with {@code src}: parameter updates.
     *
     * @param dst the tensor to overwrite
     * @param src the values
     */
    void copyInto(Tensor dst, Tensor src);

    /**
     * dst ← keep·dst + scale·x in place, element-wise (same shape and dtype, no
     * broadcasting): optimizer updates in one pass without temporaries.
     *
     * @param dst   the tensor to update
     * @param keep  the factor of dst's old values
     * @param x     the values to add
     * @param scale the factor of x
     */
    void addScaledInto(Tensor dst, double keep, Tensor x, double scale);

    // ------------------------------------------------------------ element-wise

    /**
     * f(x) element-wise; {@code alpha} as in {@link UnaryOp}.
     *
     * @param op    the function
     * @param x     the input
     * @param alpha the function's parameter, if any
     * @return the result
     */
    Tensor unary(UnaryOp op, Tensor x, double alpha);

    /**
     * f(x) element-wise, for functions without a parameter.
     *
     * @param op the function
     * @param x  the input
     * @return the result
     */
    default Tensor unary(UnaryOp op, Tensor x) {
        return unary(op, x, 0);
    }

    /**
     * gy · f'(x) element-wise: the fused backward of {@link #unary}.
     *
     * @param op    the function
     * @param gy    the gradient of its output
     * @param x     its input
     * @param alpha the function's parameter, if any
     * @return the gradient of its input
     */
    Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha);

    /**
     * a op b with numpy broadcasting; both the same floating dtype.
     *
     * @param op the operation
     * @param a  the first operand
     * @param b  the second operand
     * @return the result
     */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /**
     * x · scale + shift.
     *
     * @param x     the input
     * @param scale the factor
     * @param shift the offset
     * @return the result
     */
    Tensor affine(Tensor x, double scale, double shift);

    /**
     * min(max(x, lo), hi).
     *
     * @param x  the input
     * @param lo the lower bound
     * @param hi the upper bound
     * @return the result
     */
    Tensor clamp(Tensor x, double lo, double hi);

    // ------------------------------------------------------------ reductions and broadcasting

    /**
     * Reduces {@code axes} (all axes when empty).
     *
     * @param op       the reduction
     * @param x        the input
     * @param axes     the axes
     * @param keepDims whether reduced axes stay as size 1
     * @return the result
     */
    Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims);

    /**
     * INT64 index of the first maximum along {@code axis}, that axis removed.
     *
     * @param x    the input
     * @param axis the axis
     * @return the indices
     */
    Tensor argmax(Tensor x, int axis);

    /**
     * Repeats x along size-1 or missing leading axes to {@code shape}.
     *
     * @param x     the input
     * @param shape the target shape
     * @return the result
     */
    Tensor broadcastTo(Tensor x, Shape shape);

    // ------------------------------------------------------------ linear algebra

    /**
     * op(a) · op(b) for 2-d a, b, op = transpose when the flag is set.
     *
     * @param a      the left operand
     * @param b      the right operand
     * @param transA whether to transpose a
     * @param transB whether to transpose b
     * @return the product
     */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB);

    /**
     * x [N,in] · wᵀ [in,out] + bias [out] (bias may be null): a fully connected layer.
     *
     * @param x    the input
     * @param w    the weight [out, in]
     * @param bias the bias, or null
     * @return the output
     */
    default Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = matmul(x, w, false, true);
        return bias == null ? y : binary(BinaryOp.ADD, y, bias);
    }

    // ------------------------------------------------------------ convolution

    /**
     * Cross-correlation of x [N,C,H,W] with w [OC,C/g,KH,KW], plus bias [OC] when not null.
     *
     * @param x    the input
     * @param w    the weight
     * @param bias the bias [OC], or null
     * @param spec stride, padding, dilation and groups
     * @return the output
     */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec);

    /**
     * Gradient with respect to the input: the transposed convolution of gy with w.
     *
     * @param gy     the gradient of the output
     * @param w      the weight
     * @param xShape the input's shape
     * @param spec   the convolution's settings
     * @return the gradient of the input
     */
    Tensor conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, Conv2dSpec spec);

    /**
     * Gradient with respect to the weights.
     *
     * @param x      the input
     * @param gy     the gradient of the output
     * @param wShape the weight's shape
     * @param spec   the convolution's settings
     * @return the gradient of the weight
     */
    Tensor conv2dBackwardWeights(Tensor x, Tensor gy, Shape wShape, Conv2dSpec spec);

    /**
     * Both gradients of a convolution from one output gradient: what
     * {@link #conv2dBackwardData} and {@link #conv2dBackwardWeights} return, in one call,
     * so that a backend can share work between them (oneDNN reorders gy once).
     *
     * @param x    the input
     * @param w    the weight
     * @param gy   the gradient of the output
     * @param spec the convolution's settings
     * @return the gradients of the input and the weight
     */
    Conv2dGradients conv2dBackward(Tensor x, Tensor w, Tensor gy, Conv2dSpec spec);

    // ------------------------------------------------------------ pooling

    /**
     * Max pooling of x [N,C,H,W], with the position of each maximum.
     *
     * @param x    the input
     * @param spec the window, stride and padding
     * @return the values and indices
     */
    MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec);

    /**
     * Scatter-adds gy into a zero tensor of xShape at {@code indices} (from {@link #maxPool2d}).
     *
     * @param gy      the gradient of the output
     * @param indices the positions of the maxima
     * @param xShape  the input's shape
     * @param spec    the pooling's settings
     * @return the gradient of the input
     */
    Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec);

    /**
     * Reads gx (x-shaped) at {@code indices}: the derivative of the backward with respect to gy.
     *
     * @param gx      an x-shaped tensor
     * @param indices the positions of the maxima
     * @param spec    the pooling's settings
     * @return the gathered values
     */
    Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec);

    /**
     * Average pooling of x [N,C,H,W].
     *
     * @param x    the input
     * @param spec the window, stride, padding and whether padding counts
     * @return the output
     */
    Tensor avgPool2d(Tensor x, Pool2dSpec spec);

    /**
     * The gradient of average pooling's input.
     *
     * @param gy     the gradient of the output
     * @param xShape the input's shape
     * @param spec   the pooling's settings
     * @return the gradient of the input
     */
    Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec);

    // ------------------------------------------------------------ softmax

    /**
     * The softmax along {@code axis}.
     *
     * @param x    the input
     * @param axis the axis
     * @return the probabilities
     */
    Tensor softmax(Tensor x, int axis);

    /**
     * The log-softmax along {@code axis}, computed stably.
     *
     * @param x    the input
     * @param axis the axis
     * @return the log-probabilities
     */
    Tensor logSoftmax(Tensor x, int axis);

    /**
     * gy - exp(y) · Σ_axis gy for y = logSoftmax(x).
     *
     * @param gy   the gradient of the output
     * @param y    the log-softmax output
     * @param axis the axis
     * @return the gradient of the input
     */
    Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis);

    // ------------------------------------------------------------ batch norm (per channel of [N,C,...])

    /**
     * Training-mode batch norm of x [N,C,...] with batch statistics per channel.
     *
     * @param x     the input
     * @param gamma the scale per channel
     * @param beta  the shift per channel
     * @param eps   added to the variance
     * @return the output and the batch mean and biased variance
     */
    BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps);

    /**
     * The backward of {@link #batchNormTraining}: with x̂ = (x − mean)/√(variance + eps)
     * and m = x.size()/C, the gradients gβ = Σ gy, gγ = Σ gy·x̂ (sums over all axes
     * but 1) and gx = γ/√(variance + eps) · (gy − (gβ + x̂·gγ)/m). Not
     * differentiable itself: for a backward pass that records nothing.
     *
     * @param x        the forward's input [N,C,...]
     * @param gamma    the scale per channel
     * @param mean     the forward's batch mean per channel
     * @param variance the forward's biased batch variance per channel
     * @param gy       the gradient of the output, x's shape
     * @param eps      the forward's eps
     * @return the gradients of x, gamma and beta
     */
    BatchNormGradients batchNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, double eps);

    /**
     * The derivatives of {@link #batchNormBackward}'s input gradient
     * gx = γ·inv·(gy − mean(gy) − x̂·mean(gy·x̂)) (inv = 1/√(variance + eps), means over
     * all axes but 1, m elements per channel), given u, a gradient of gx. With
     * c = mean(gy·x̂), d = mean(u·x̂) and k = mean(u·gy) − mean(u)·mean(gy) − c·d:
     * ∂⟨u,gx⟩/∂gy = γ·inv·(u − mean(u) − x̂·d),
     * ∂⟨u,gx⟩/∂x = −γ·inv²·(x̂·(k − 2cd) + d·(gy − mean(gy)) + c·(u − mean(u))) and
     * ∂⟨u,gx⟩/∂γ = m·inv·k. Not differentiable itself: for the backward pass of double
     * backprop, which records nothing.
     *
     * @param x        the forward's input [N,C,...]
     * @param gamma    the scale per channel
     * @param mean     the forward's batch mean per channel
     * @param variance the forward's biased batch variance per channel
     * @param gy       the output gradient the first backward read, x's shape
     * @param u        the gradient of that backward's input gradient, x's shape
     * @param eps      the forward's eps
     * @return the gradients of x, gy and gamma
     */
    BatchNormSecondOrder batchNormDoubleBackward(Tensor x, Tensor gamma, Tensor mean, Tensor variance, Tensor gy, Tensor u, double eps);

    /**
     * Batch norm with fixed statistics: (x − mean)/√(variance + eps)·gamma + beta per channel.
     *
     * @param x        the input
     * @param gamma    the scale per channel
     * @param beta     the shift per channel
     * @param mean     the mean per channel
     * @param variance the variance per channel
     * @param eps      added to the variance
     * @return the output
     */
    Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps);

    // ------------------------------------------------------------ indexing and layout

    /**
     * [N] INT64 labels → [N, classes] one-hot in {@code dtype}; labels out of range are rejected.
     *
     * @param labels  the labels
     * @param classes the class count
     * @param dtype   the output's element type
     * @return the one-hot rows
     */
    Tensor oneHot(Tensor labels, int classes, DType dtype);

    /**
     * The axes of x reordered: output axis i is input axis {@code axes[i]}.
     *
     * @param x    the input
     * @param axes a permutation of the axes
     * @return the result
     */
    Tensor permute(Tensor x, int... axes);

    /**
     * Elements start..end-1 along {@code axis}.
     *
     * @param x     the input
     * @param axis  the axis
     * @param start the first index, inclusive
     * @param end   the last index, exclusive
     * @return the slice
     */
    Tensor slice(Tensor x, int axis, int start, int end);

    /**
     * The inputs joined along {@code axis}.
     *
     * @param xs   the inputs, equal in every other axis
     * @param axis the axis
     * @return the result
     */
    Tensor concat(List<Tensor> xs, int axis);
}
