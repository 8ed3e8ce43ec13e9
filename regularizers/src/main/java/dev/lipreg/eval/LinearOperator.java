package dev.lipreg.eval;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/**
 * A linear map given by how it and its adjoint act on tensors, never as a
 * matrix: what {@link PowerIteration} needs. Layers are applied with the
 * backend's own kernels and their exact geometry (stride, padding, groups), so
 * the norm found is that of the operator the network computes.
 */
public interface LinearOperator {

    /** {@return the shape of one input, including a leading batch axis of 1} */
    Shape inputShape();

    /** {@return the backend the operator computes on; inputs must live there} */
    Backend backend();

    /** {@return the element type of inputs and outputs} */
    DType dtype();

    /**
     * The map A.
     *
     * @param x an input of {@link #inputShape()}
     * @return A x
     */
    Tensor apply(Tensor x);

    /**
     * The adjoint (transpose): ⟨apply(x), y⟩ = ⟨x, adjoint(y)⟩.
     *
     * @param y an output of {@link #apply}'s shape
     * @return Aᵀ y, of {@link #inputShape()}
     */
    Tensor adjoint(Tensor y);

    /**
     * A convolution without its bias on inputs of {@code inputShape} [1,C,H,W],
     * optionally followed by a per-output-channel scale (an evaluation-mode batch
     * norm's linear part; null for none). Adjoint: conv2dBackwardData.
     *
     * @param weight       the convolution's weight [O, C/groups, kH, kW]
     * @param spec         stride, padding, dilation and groups
     * @param inputShape   [1, C, H, W]
     * @param channelScale a scale per output channel [O], or null
     * @return the operator, on the weight's backend and dtype
     * @throws IllegalArgumentException if the geometry does not fit the input shape
     */
    static LinearOperator conv2d(Tensor weight, Conv2dSpec spec, Shape inputShape, Tensor channelScale) {
        spec.outputShape(inputShape, weight.shape()); // validates the geometry
        Tensor scale = channelScale == null ? null : channelScale.reshape(1, weight.dim(0), 1, 1);
        return new BaseOperator(inputShape, weight.backend(), weight.dtype()) {
            @Override
            public Tensor apply(Tensor x) {
                Tensor y = backend().conv2d(x, weight, null, spec);
                return scale == null ? y : backend().binary(BinaryOp.MUL, y, scale);
            }

            @Override
            public Tensor adjoint(Tensor y) {
                Tensor g = scale == null ? y : backend().binary(BinaryOp.MUL, y, scale);
                return backend().conv2dBackwardData(g, weight, inputShape, spec);
            }
        };
    }

    /**
     * x ↦ x·Wᵀ for weight W [out, in]; adjoint y ↦ y·W.
     *
     * @param weight W [out, in]
     * @return the operator on inputs [1, in], on the weight's backend and dtype
     */
    static LinearOperator linear(Tensor weight) {
        return new BaseOperator(Shape.of(1, weight.dim(1)), weight.backend(), weight.dtype()) {
            @Override
            public Tensor apply(Tensor x) {
                return backend().matmul(x, weight, false, true);
            }

            @Override
            public Tensor adjoint(Tensor y) {
                return backend().matmul(y, weight, false, false);
            }
        };
    }

    /**
     * Average pooling on inputs of {@code inputShape}; adjoint avgPool2dBackward.
     *
     * @param spec       the window, stride, padding and divisor policy
     * @param inputShape [1, C, H, W]
     * @param backend    where to compute
     * @param dtype      the element type
     * @return the operator
     * @throws IllegalArgumentException if the window does not fit the input shape
     */
    static LinearOperator avgPool2d(Pool2dSpec spec, Shape inputShape, Backend backend, DType dtype) {
        spec.outputShape(inputShape);
        return new BaseOperator(inputShape, backend, dtype) {
            @Override
            public Tensor apply(Tensor x) {
                return backend().avgPool2d(x, spec);
            }

            @Override
            public Tensor adjoint(Tensor y) {
                return backend().avgPool2dBackward(y, inputShape, spec);
            }
        };
    }
}
