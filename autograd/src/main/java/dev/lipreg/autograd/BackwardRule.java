package dev.lipreg.autograd;

/**
 * The backward rule of one recorded op: given the op's output and the gradient
 * of that output, the gradients of its inputs, written with differentiable
 * {@link Ops} so that the backward pass can itself be recorded and
 * differentiated again. A null entry means a zero gradient (the input does not
 * affect the output locally, or {@code needed[i]} is false and the rule skipped it).
 */
@FunctionalInterface
public interface BackwardRule {
    /**
     * The inputs' gradients (see the interface comment).
     *
     * @param output     the op's output
     * @param gradOutput the gradient of the output
     * @param needed     which inputs need a gradient
     * @return one gradient (or null) per input
     */
    Variable[] apply(Variable output, Variable gradOutput, boolean[] needed);
}
