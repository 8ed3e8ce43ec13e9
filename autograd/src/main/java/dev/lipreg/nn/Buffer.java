package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;

/** A non-trainable state tensor of a module (running statistics), saved in checkpoints. */
public final class Buffer {
    private final Tensor value;

    /**
     * A buffer holding {@code value}.
     *
     * @param value the initial value
     */
    public Buffer(Tensor value) {
        this.value = value;
    }

    /** {@return the current value} */
    public Tensor value() {
        return value;
    }

    /**
     * Overwrites the value with {@code newValue} (same shape and dtype).
     *
     * @param newValue the new value
     */
    public void assign(Tensor newValue) {
        value.backend().copyInto(value, newValue);
    }
}
