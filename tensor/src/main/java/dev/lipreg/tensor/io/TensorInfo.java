package dev.lipreg.tensor.io;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;

import java.util.Objects;

/**
 * One tensor entry of a safetensors header: its name, dtype, shape and byte
 * range {@code [begin, end)} relative to the start of the data buffer.
 */
public record TensorInfo(String name, DType dtype, Shape shape, long begin, long end) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor '" + name + "': bad data_offsets [" + begin + ", " + end + "]");
        }
    }

    public long byteSize() {
        return end - begin;
    }
}
