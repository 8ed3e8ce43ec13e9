package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The few kernels that stay in Java because oneDNN has no primitive with the
 * semantics the reference backend defines: PyTorch's max-pool argmax positions and
 * the scatter/gather through them, argmax and one-hot of small logits/labels,
 * truncating float→int casts, and fills. Each is one pass over memory.
 */
final class HostLoops {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    private HostLoops() {
    }

    /** Sets {@code n} elements to {@code value} (rounded as the reference does) by doubling bulk copies. */
    static void fill(MemorySegment s, DType dtype, long n, double value) {
        if (n == 0) return;
        long bytes = n * dtype.byteSize();
        if (value == 0 && Double.doubleToRawLongBits(value) == 0) {
            s.asSlice(0, bytes).fill((byte) 0);
            return;
        }
        switch (dtype) {
            case FLOAT32 -> s.set(F32, 0, (float) value);
            case INT32 -> s.set(I32, 0, (int) value);
            case INT64 -> s.set(I64, 0, (long) value);
            case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
        }
        for (long done = dtype.byteSize(); done < bytes; done *= 2) {
            MemorySegment.copy(s, 0, s, done, Math.min(done, bytes - done));
        }
    }

    /**
     * For max pooling whose values {@code y} oneDNN computed: the position h·W+w of
     * the first element of each window (row-major) equal to the window's maximum,
     * as PyTorch. The value is then re-read from there, so y is bit-identical to the
     * element the index names (e.g. 0.0 rather than -0.0). A NaN maximum matches
     * the window's first NaN.
     */
    static void maxPoolIndices(MemorySegment x, Shape xs, Pool2dSpec s, MemorySegment y, MemorySegment idx, Shape ys) {
        int planes = xs.dim(0) * xs.dim(1), h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        for (int pl = 0; pl < planes; pl++) {
            long xBase = (long) pl * h * w;
            for (int i = 0; i < oh; i++) {
                int hs = Math.max(i * s.strideH() - s.padH(), 0), he = Math.min(i * s.strideH() - s.padH() + s.kernelH(), h);
                for (int j = 0; j < ow; j++) {
                    int ws = Math.max(j * s.strideW() - s.padW(), 0), we = Math.min(j * s.strideW() - s.padW() + s.kernelW(), w);
                    long o = ((long) pl * oh + i) * ow + j;
                    float target = y.getAtIndex(F32, o);
                    int at = firstMatch(x, xBase, w, hs, he, ws, we, target);
                    if (at < 0) at = firstMaximum(x, xBase, w, hs, he, ws, we);
                    idx.setAtIndex(I32, o, at);
                    y.setAtIndex(F32, o, x.getAtIndex(F32, xBase + at));
                }
            }
        }
    }

    private static int firstMatch(MemorySegment x, long base, int w, int hs, int he, int ws, int we, float target) {
        boolean nan = Float.isNaN(target);
        for (int hi = hs; hi < he; hi++) {
            for (int wi = ws; wi < we; wi++) {
                float v = x.getAtIndex(F32, base + (long) hi * w + wi);
                if (v == target || nan && Float.isNaN(v)) return hi * w + wi;
            }
        }
        return -1;
    }

    /** The reference's rule, for a maximum oneDNN reported differently (not expected). */
    private static int firstMaximum(MemorySegment x, long base, int w, int hs, int he, int ws, int we) {
        float best = Float.NEGATIVE_INFINITY;
        int at = -1;
        for (int hi = hs; hi < he; hi++) {
            for (int wi = ws; wi < we; wi++) {
                float v = x.getAtIndex(F32, base + (long) hi * w + wi);
                if (at < 0 || v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                    best = v;
                    at = hi * w + wi;
                }
            }
        }
        return at;
    }

    /** gx (zeroed, x-shaped) += gy scattered to the planes' {@code idx} positions. */
    static void scatterAdd(MemorySegment gy, MemorySegment idx, long outPlane, MemorySegment gx, long plane, long count, String op) {
        for (long o = 0; o < count; o++) {
            long at = (o / outPlane) * plane + index(idx, o, plane, op);
            gx.setAtIndex(F32, at, gx.getAtIndex(F32, at) + gy.getAtIndex(F32, o));
        }
    }

    /** r[o] = gx at the o-th index of its plane. */
    static void gather(MemorySegment gx, MemorySegment idx, long outPlane, MemorySegment r, long plane, long count, String op) {
        for (long o = 0; o < count; o++) {
            r.setAtIndex(F32, o, gx.getAtIndex(F32, (o / outPlane) * plane + index(idx, o, plane, op)));
        }
    }

    private static int index(MemorySegment idx, long o, long plane, String op) {
        int i = idx.getAtIndex(I32, o);
        if (i < 0 || i >= plane) {
            throw new IllegalArgumentException(op + ": index " + i + " at position " + o + " outside the input plane of " + plane + " elements");
        }
        return i;
    }

    /** INT64 index of the first maximum along the middle axis of [outer, len, inner] (NaN never wins, as the reference). */
    static void argmax(MemorySegment x, long outer, int len, long inner, MemorySegment r) {
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                long base = o * len * inner + i;
                int best = 0;
                float bv = x.getAtIndex(F32, base);
                for (int k = 1; k < len; k++) {
                    float e = x.getAtIndex(F32, base + k * inner);
                    if (e > bv) {
                        bv = e;
                        best = k;
                    }
                }
                r.setAtIndex(I64, o * inner + i, best);
            }
        }
    }

    /** Integer label of element i of an INT32 or INT64 tensor. */
    static long label(MemorySegment labels, DType dtype, long i) {
        return dtype == DType.INT32 ? labels.getAtIndex(I32, i) : labels.getAtIndex(I64, i);
    }

    /** Sets element i of a tensor of {@code dtype} to 1. */
    static void setOne(MemorySegment s, DType dtype, long i) {
        switch (dtype) {
            case FLOAT32 -> s.setAtIndex(F32, i, 1f);
            case INT32 -> s.setAtIndex(I32, i, 1);
            case INT64 -> s.setAtIndex(I64, i, 1L);
            case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
        }
    }

    /**
     * Casts the reference defines element by element: float→int truncates toward
     * zero (a reorder would round to nearest), and INT64 has no oneDNN conversion.
     * The results match the reference's double-based conversions exactly.
     */
    static void cast(MemorySegment src, DType from, MemorySegment dst, DType to, long n) {
        for (long i = 0; i < n; i++) {
            switch (from) {
                case FLOAT32 -> {
                    float v = src.getAtIndex(F32, i);
                    if (to == DType.INT32) dst.setAtIndex(I32, i, (int) v);
                    else dst.setAtIndex(I64, i, (long) v);
                }
                case INT32 -> {
                    int v = src.getAtIndex(I32, i);
                    if (to == DType.INT64) dst.setAtIndex(I64, i, v);
                    else dst.setAtIndex(F32, i, (float) v);
                }
                case INT64 -> {
                    long v = src.getAtIndex(I64, i);
                    // through double, as the reference reads values: it rounds twice for |v| > 2^53
                    if (to == DType.FLOAT32) dst.setAtIndex(F32, i, (float) (double) v);
                    else dst.setAtIndex(I32, i, (int) (double) v);
                }
                case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
            }
        }
    }
}
