package dev.lipreg.tensor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/** Element types. float32 is the working type; float64 exists for gradient checks on the reference backend. */
public enum DType {
    FLOAT32(ValueLayout.JAVA_FLOAT, "F32"),
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

    public int byteSize() {
        return (int) layout.byteSize();
    }

    public MemoryLayout layout() {
        return layout;
    }

    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** {@return the dtype code used in safetensors headers ("F32", "I64", ...)} */
    public String safetensorsName() {
        return safetensorsName;
    }

    public static DType fromSafetensorsName(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) return d;
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "', expected one of F32, F64, I32, I64");
    }
}
