package dev.lipreg.tensor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/** Element types. float32 is the working type; float64 exists for gradient checks on the reference backend. */
public enum DType {
    /** 32-bit IEEE floats: the working type. */
    FLOAT32(ValueLayout.JAVA_FLOAT, "F32"),
    /** 64-bit IEEE floats: gradient checks on the reference backend. */
    FLOAT64(ValueLayout.JAVA_DOUBLE, "F64"),
    /** Indices such as max-pool argmax positions. */
    INT32(ValueLayout.JAVA_INT, "I32"),
    /** Class labels (safetensors and PyTorch use int64 for them). */
    INT64(ValueLayout.JAVA_LONG, "I64");

    private final ValueLayout layout;
    private final String safetensorsName;

    DType(ValueLayout layout, String safetensorsName) {
        this.layout = layout;
        this.safetensorsName = safetensorsName;
    }

    /** {@return the bytes per element} */
    public int byteSize() {
        return (int) layout.byteSize();
    }

    /** {@return the element's memory layout} */
    public MemoryLayout layout() {
        return layout;
    }

    /** {@return whether this is FLOAT32 or FLOAT64} */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** {@return the dtype code used in safetensors headers ("F32", "I64", ...)} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * The dtype with safetensors code {@code name}.
     *
     * @param name F32, F64, I32 or I64
     * @return the dtype
     */
    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) return d;
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "', expected one of F32, F64, I32, I64");
    }
}
