package dev.lipreg.tensor.dnnl;

import java.util.Arrays;

/** An immutable list of dimensions or strides with value equality, for cache keys. */
record Dims(long[] values) {
    Dims {
        values = values.clone();
    }

    static Dims of(long... values) {
        return new Dims(values);
    }

    static Dims of(int... values) {
        return new Dims(Arrays.stream(values).asLongStream().toArray());
    }

    @Override
    public long[] values() {
        return values.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dims d && Arrays.equals(values, d.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }
}
