package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;

/** A non-trainable state tensor of a module (running statistics), saved in checkpoints. */
public final class Buffer {
    private final Tensor value;

    public Buffer(Tensor value) {
        this.value = value;
    }

    public Tensor value() {
        return value;
    }

    public void assign(Tensor newValue) {
        value.backend().copyInto(value, newValue);
    }
}
