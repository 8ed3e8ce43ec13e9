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
    ADD(NONE), SUB(NONE), MUL(inputs(0, 1)), DIV(inputs(0, 1)), MAXIMUM(inputs(0, 1)), MINIMUM(inputs(0, 1)), AFFINE(NONE),
    EXP(OUTPUT), LOG(inputs(0)), SQRT(OUTPUT), SQUARE(inputs(0)), RECIPROCAL(OUTPUT), ABS(inputs(0)),
    RELU(inputs(0)), LEAKY_RELU(inputs(0)), RELU_BACKWARD(inputs(1)), LEAKY_RELU_BACKWARD(inputs(1)),
    ELU(inputs(0) | OUTPUT), SOFTPLUS(inputs(0)), TANH(OUTPUT), SIGMOID(OUTPUT), CLAMP(inputs(0) | OUTPUT),
    SUM(NONE), MEAN(NONE), MAX(inputs(0) | OUTPUT), MIN(inputs(0) | OUTPUT), NORM_L2(inputs(0) | OUTPUT),
    RESHAPE(NONE), BROADCAST_TO(NONE), PERMUTE(NONE), SLICE(NONE), CONCAT(NONE),
    MATMUL(inputs(0, 1)), LINEAR(inputs(0, 1)),
    CONV2D(inputs(0, 1)), CONV2D_BACKWARD_DATA(inputs(0, 1)), CONV2D_BACKWARD_WEIGHTS(inputs(0, 1)),
    MAX_POOL2D(NONE), MAX_POOL2D_BACKWARD(NONE), MAX_POOL2D_GATHER(NONE), AVG_POOL2D(NONE), AVG_POOL2D_BACKWARD(NONE),
    SOFTMAX(OUTPUT), LOG_SOFTMAX(OUTPUT), LOG_SOFTMAX_BACKWARD(inputs(0, 1)),
    BATCH_NORM(inputs(0, 1)), BATCH_NORM_INFERENCE(inputs(0, 1)),
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
