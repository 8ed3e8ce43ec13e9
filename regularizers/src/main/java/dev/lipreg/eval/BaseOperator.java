package dev.lipreg.eval;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;

/** The fields the built-in {@link LinearOperator}s share. */
abstract class BaseOperator implements LinearOperator {
    private final Shape inputShape;
    private final Backend backend;
    private final DType dtype;

    BaseOperator(Shape inputShape, Backend backend, DType dtype) {
        this.inputShape = inputShape;
        this.backend = backend;
        this.dtype = dtype;
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public DType dtype() {
        return dtype;
    }
}
