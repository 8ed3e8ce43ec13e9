package dev.lipreg.tensor.io;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;

import java.util.Objects;

/**
 * One tensor entry of a safetensors header: its name, dtype, shape and byte
 * range {@code [begin, end)} relative to the start of the data buffer.
 *
 * @param name      the tensor's name
 * @param dtype     the dtype it loads as: F16 and BF16 entries widen to {@link DType#FLOAT32}; an F64 entry is
 *                  {@link DType#FLOAT64}, rounded to float32 on a backend without float64 (oneDNN, CUDA)
 * @param shape     its shape
 * @param begin     the first byte of its data, relative to the data buffer
 * @param end       one past its last byte
 * @param fileDtype the dtype code stored in the file: F16, BF16, F32, F64, I32 or I64
 */
public record TensorInfo(String name, DType dtype, Shape shape, long begin, long end, String fileDtype) {
    /** Checks the fields; {@code fileDtype} must be a code LipReg reads, loading as {@code dtype}. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        FileDType stored = FileDType.of(fileDtype);
        if (stored == null || stored.loadsAs() != dtype) {
            throw new IllegalArgumentException("tensor '" + name + "': file dtype " + fileDtype + " does not load as " + dtype);
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor '" + name + "': bad data_offsets [" + begin + ", " + end + "]");
        }
    }

    /**
     * An entry stored as {@code dtype} itself (F32, F64, I32, I64).
     *
     * @param name  the tensor's name
     * @param dtype its dtype
     * @param shape its shape
     * @param begin the first byte of its data
     * @param end   one past its last byte
     */
    public TensorInfo(String name, DType dtype, Shape shape, long begin, long end) {
        this(name, dtype, shape, begin, end, dtype == null ? null : dtype.safetensorsName());
    }

    /** {@return the number of data bytes in the file: {@code end - begin}} */
    public long byteSize() {
        return end - begin;
    }

    FileDType stored() {
        return FileDType.of(fileDtype);
    }
}
