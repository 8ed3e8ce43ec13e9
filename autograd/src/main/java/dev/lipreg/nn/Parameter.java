package dev.lipreg.nn;

import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Tensor;

/**
 * A trainable tensor. Its memory lives in the scope that was current when the
 * model was built; optimizers overwrite it in place with {@link #assign}.
 */
public final class Parameter extends Variable {

    /**
     * A trainable leaf holding {@code value}.
     *
     * @param value the initial value
     */
    public Parameter(Tensor value) {
        super(value);
    }

    /**
     * Overwrites the value with {@code newValue} (same shape and dtype).
     *
     * @param newValue the new value
     */
    public void assign(Tensor newValue) {
        value().backend().copyInto(value(), newValue);
    }
}
