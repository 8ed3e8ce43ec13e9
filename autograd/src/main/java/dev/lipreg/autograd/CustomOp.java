package dev.lipreg.autograd;

import dev.lipreg.tensor.Tensor;

import java.util.List;

/**
 * A differentiable function computed outside the op table — typically a model
 * run by another engine (DJL, ONNX Runtime) — with its own vector–Jacobian
 * product. {@link #apply} records it in the graph like a built-in op, so
 * {@link Autograd#grad} flows through it to the inputs.
 *
 * <p>Gradients through the backward itself (a gradient taken with
 * {@code createGraph = true} and then differentiated again, as the input-gradient
 * penalties do) need {@link #secondOrder()}; without one, differentiating the
 * backward fails with an {@link UnsupportedOperationException} saying that the
 * op supports first-order gradients only — never with a silently wrong number.
 *
 * <p>Tensors passed in are owned by the caller's scope; tensors returned are
 * taken as the op's results and must not be closed by the op.
 */
public interface CustomOp {

    /**
     * Names the op in the graph and in error messages.
     *
     * @return the name
     */
    String name();

    /**
     * The output for the inputs' values.
     *
     * @param inputs the inputs' values
     * @return the output, a new tensor
     */
    Tensor forward(List<Tensor> inputs);

    /**
     * The vector–Jacobian product: for each input {@code i} with
     * {@code needed[i]}, the gradient of ⟨gradOutput, output⟩ with respect to
     * that input, of the input's shape; null for an input not needed (or whose
     * gradient is zero). The result has one entry per input.
     *
     * @param inputs     the inputs' values
     * @param output     the forward output
     * @param gradOutput the gradient of the output
     * @param needed     which inputs need a gradient
     * @return one gradient (or null) per input
     */
    Tensor[] backward(List<Tensor> inputs, Tensor output, Tensor gradOutput, boolean[] needed);

    /** {@return the rule that differentiates {@link #backward}, or null (the default): first-order gradients only} */
    default SecondOrder secondOrder() {
        return null;
    }

    /**
     * Records this op applied to {@code inputs}; the same as {@link Ops#custom}.
     *
     * @param inputs the inputs
     * @return the recorded output
     */
    default Variable apply(Variable... inputs) {
        return Ops.custom(this, inputs);
    }

    /**
     * The derivative of the backward map (gradOutput, inputs) ↦ input gradient
     * {@code k}. Given the cotangent {@code u} of that input gradient, it returns
     * one entry for gradOutput followed by one per input: at index 0,
     * J_k·u (a Jacobian–vector product); at index 1 + i, the gradient of
     * ⟨u, J_kᵀ·gradOutput⟩ with respect to input i. Entries not needed may be null.
     * Its results are not differentiable again (third order is refused).
     */
    @FunctionalInterface
    interface SecondOrder {
        /**
         * The second-order rule (see the interface comment).
         *
         * @param inputs     the inputs' values
         * @param output     the forward output
         * @param gradOutput the gradient of the output
         * @param k          the input whose first-order gradient is differentiated
         * @param u          the cotangent of that gradient
         * @param needed     which of gradOutput and the inputs need a result
         * @return J_k·u, then one gradient (or null) per input
         */
        Tensor[] backward(List<Tensor> inputs, Tensor output, Tensor gradOutput, int k, Tensor u, boolean[] needed);
    }
}
