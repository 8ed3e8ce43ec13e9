package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Moves tensor contents to and from double arrays, the reference backend's working form. */
final class Buffers {
    private Buffers() {
    }

    static double[] read(Tensor t) {
        MemorySegment s = t.data();
        int n = t.shape().intSize();
        double[] v = new double[n];
        switch (t.dtype()) {
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) v[i] = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            case FLOAT64 -> MemorySegment.copy(s, ValueLayout.JAVA_DOUBLE, 0, v, 0, n);
            case INT32 -> {
                for (int i = 0; i < n; i++) v[i] = s.getAtIndex(ValueLayout.JAVA_INT, i);
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) v[i] = s.getAtIndex(ValueLayout.JAVA_LONG, i);
            }
        }
        return v;
    }

    /** Writes {@code v} into t, rounded once to t's dtype (float→int truncating, as Java's cast). */
    static void store(double[] v, Tensor t) {
        MemorySegment s = t.data();
        switch (t.dtype()) {
            case FLOAT32 -> {
                for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v[i]);
            }
            case FLOAT64 -> MemorySegment.copy(v, 0, s, ValueLayout.JAVA_DOUBLE, 0, v.length);
            case INT32 -> {
                for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_INT, i, (int) v[i]);
            }
            case INT64 -> {
                for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v[i]);
            }
        }
    }
}
