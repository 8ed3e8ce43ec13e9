package dev.lipreg.autograd;

import java.util.Locale;

import static dev.lipreg.autograd.Op.Reads.ALL;
import static dev.lipreg.autograd.Op.Reads.NONE;
import static dev.lipreg.autograd.Op.Reads.OUTPUT;
import static dev.lipreg.autograd.Op.Reads.inputs;

/**
 * Every kind of node the autograd graph records. Each constant has a first- and
 * a second-order gradient check ({@code OpsGradCheckTest} fails when one is
 * missing); {@link #CUSTOM} and {@link #CUSTOM_BACKWARD} stand for the
 * functions registered through {@link CustomOp}, which carry their own name.
 */
public enum Op {
    /** Element-wise a + b, broadcasting. */
    ADD(NONE),
    /** Element-wise a − b, broadcasting. */
    SUB(NONE),
    /** Element-wise a · b, broadcasting. */
    MUL(inputs(0, 1)),
    /** Element-wise a / b, broadcasting. */
    DIV(inputs(0, 1)),
    /** Element-wise maximum of two tensors (the gradient goes to the larger, half to each on ties). */
    MAXIMUM(inputs(0, 1)),
    /** Element-wise minimum of two tensors (the gradient goes to the smaller, half to each on ties). */
    MINIMUM(inputs(0, 1)),
    /** x · scale + shift with constant scale and shift. */
    AFFINE(NONE),
    /** eˣ. */
    EXP(OUTPUT),
    /** Natural logarithm. */
    LOG(inputs(0)),
    /** √x. */
    SQRT(OUTPUT),
    /** x². */
    SQUARE(inputs(0)),
    /** 1 / x. */
    RECIPROCAL(OUTPUT),
    /** |x| (derivative 0 at 0). */
    ABS(inputs(0)),
    /** max(x, 0). */
    RELU(inputs(0)),
    /** x for x &gt; 0, else slope · x. */
    LEAKY_RELU(inputs(0)),
    /** ReLU's backward gy · 1[x &gt; 0], recorded so that double backprop can differentiate it. */
    RELU_BACKWARD(inputs(1)),
    /** LeakyReLU's backward, recorded so that double backprop can differentiate it. */
    LEAKY_RELU_BACKWARD(inputs(1)),
    /** x for x &gt; 0, else α · (eˣ − 1). */
    ELU(inputs(0) | OUTPUT),
    /** log(1 + eˣ). */
    SOFTPLUS(inputs(0)),
    /** Hyperbolic tangent. */
    TANH(OUTPUT),
    /** 1 / (1 + e⁻ˣ). */
    SIGMOID(OUTPUT),
    /** min(max(x, lo), hi); the gradient passes where x is inside [lo, hi]. */
    CLAMP(inputs(0) | OUTPUT),
    /** Sum over axes. */
    SUM(NONE),
    /** Mean over axes. */
    MEAN(NONE),
    /** Maximum over axes (the gradient is shared among tied maxima). */
    MAX(inputs(0) | OUTPUT),
    /** Minimum over axes (the gradient is shared among tied minima). */
    MIN(inputs(0) | OUTPUT),
    /** ℓ2 norm over axes. */
    NORM_L2(inputs(0) | OUTPUT),
    /** A new shape of the same elements. */
    RESHAPE(NONE),
    /** Repetition along size-1 or missing leading axes. */
    BROADCAST_TO(NONE),
    /** A reordering of the axes. */
    PERMUTE(NONE),
    /** A range of indices along one axis. */
    SLICE(NONE),
    /** Inputs joined along one axis. */
    CONCAT(NONE),
    /** Matrix product, optionally of transposes. */
    MATMUL(inputs(0, 1)),
    /** x · wᵀ + bias, a fully connected layer. */
    LINEAR(inputs(0, 1)),
    /** 2-D convolution (cross-correlation, as PyTorch). */
    CONV2D(inputs(0, 1)),
    /** A convolution's input gradient, recorded so that double backprop can differentiate it. */
    CONV2D_BACKWARD_DATA(inputs(0, 1)),
    /** A convolution's weight gradient, recorded so that double backprop can differentiate it. */
    CONV2D_BACKWARD_WEIGHTS(inputs(0, 1)),
    /** 2-D max pooling. */
    MAX_POOL2D(NONE),
    /** Max pooling's input gradient (a scatter at the maxima), recorded for double backprop. */
    MAX_POOL2D_BACKWARD(NONE),
    /** A read at max pooling's maxima: the derivative of its backward. */
    MAX_POOL2D_GATHER(NONE),
    /** 2-D average pooling. */
    AVG_POOL2D(NONE),
    /** Average pooling's input gradient, recorded for double backprop. */
    AVG_POOL2D_BACKWARD(NONE),
    /** Softmax along one axis. */
    SOFTMAX(OUTPUT),
    /** Log-softmax along one axis. */
    LOG_SOFTMAX(OUTPUT),
    /** Log-softmax's input gradient, recorded for double backprop. */
    LOG_SOFTMAX_BACKWARD(inputs(0, 1)),
    /** Training-mode batch norm with the batch's statistics (differentiated through them). */
    BATCH_NORM(inputs(0, 1)),
    /**
     * Training-mode batch norm's input gradient from the fused kernel, recorded for
     * double backprop; its rule is the fused second-order kernel (inputs: the output
     * gradient, x, γ).
     */
    BATCH_NORM_BACKWARD(inputs(0, 1, 2)),
    /** Batch norm with fixed running statistics. */
    BATCH_NORM_INFERENCE(inputs(0, 1)),
    /** A {@link CustomOp}'s forward. */
    CUSTOM(ALL),
    /** A {@link CustomOp}'s input gradient, differentiable only through its {@link CustomOp.SecondOrder} rule. */
    CUSTOM_BACKWARD(ALL);

    /**
     * Whose values the op's backward rule reads: a bit per input, and {@link #OUTPUT}
     * for its own output. The other inputs it uses for their shapes only (a sum's
     * rule broadcasts the gradient back, an addition's passes it through), so a
     * value no recorded rule reads is dead once the graph is built: the engine
     * frees such values of a recorded backward pass (see {@code Autograd.grad}).
     * A rule that reads a value not listed here fails loudly ("used after its memory
     * was released"), which the second-order gradient checks of every op would show.
     */
    private final int reads;

    Op(int reads) {
        this.reads = reads;
    }

    /** Whether the rule reads the value of input {@code i}. */
    boolean readsInput(int i) {
        return i < 30 ? (reads & (1 << i)) != 0 : reads == Reads.ALL;
    }

    /** Whether the rule reads the op's own output. */
    boolean readsOutput() {
        return (reads & Reads.OUTPUT) != 0;
    }

    /** The masks of {@link #reads}. */
    static final class Reads {
        static final int NONE = 0, OUTPUT = 1 << 30, ALL = -1;

        private Reads() {
        }

        static int inputs(int... which) {
            int m = 0;
            for (int i : which) m |= 1 << i;
            return m;
        }
    }

    /**
     * The snake-case name used in messages, e.g. {@code log_softmax_backward}.
     *
     * @return the label
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
