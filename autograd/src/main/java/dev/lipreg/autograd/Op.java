package dev.lipreg.autograd;

import java.util.Locale;

/**
 * Every kind of node the autograd graph records. Each constant has a first- and
 * a second-order gradient check ({@code OpsGradCheckTest} fails when one is
 * missing); {@link #CUSTOM} and {@link #CUSTOM_BACKWARD} stand for the
 * functions registered through {@link CustomOp}, which carry their own name.
 */
public enum Op {
    ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, AFFINE,
    EXP, LOG, SQRT, SQUARE, RECIPROCAL, ABS,
    RELU, LEAKY_RELU, RELU_BACKWARD, LEAKY_RELU_BACKWARD, ELU, SOFTPLUS, TANH, SIGMOID, CLAMP,
    SUM, MEAN, MAX, MIN, NORM_L2,
    RESHAPE, BROADCAST_TO, PERMUTE, SLICE, CONCAT,
    MATMUL, LINEAR,
    CONV2D, CONV2D_BACKWARD_DATA, CONV2D_BACKWARD_WEIGHTS,
    MAX_POOL2D, MAX_POOL2D_BACKWARD, MAX_POOL2D_GATHER, AVG_POOL2D, AVG_POOL2D_BACKWARD,
    SOFTMAX, LOG_SOFTMAX, LOG_SOFTMAX_BACKWARD,
    BATCH_NORM, BATCH_NORM_INFERENCE,
    /** A {@link CustomOp}'s forward. */
    CUSTOM,
    /** A {@link CustomOp}'s input gradient, differentiable only through its {@link CustomOp.SecondOrder} rule. */
    CUSTOM_BACKWARD;

    /**
     * The snake-case name used in messages, e.g. {@code log_softmax_backward}.
     *
     * @return the label
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
