package dev.lipreg.onnx;

import dev.lipreg.tensor.Shape;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/** Numpy-style broadcasting arithmetic on small host tensors (shape computations). */
final class HostMath {
    private HostMath() {
    }

    static int[] broadcast(int[] a, int[] b, String where) {
        try {
            return Shape.broadcast(Shape.of(a), Shape.of(b)).dims();
        } catch (IllegalArgumentException e) {
            throw new OnnxException(where + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
        }
    }

    /** Flat index into a tensor of {@code dims} for output position {@code idx} of {@code out}. */
    private static int source(int[] dims, int[] out, int[] idx) {
        int off = 0, lead = out.length - dims.length;
        for (int i = 0; i < dims.length; i++) off = off * dims[i] + (dims[i] == 1 ? 0 : idx[i + lead]);
        return off;
    }

    static HostTensor apply(HostTensor a, HostTensor b, LongBinaryOperator il, DoubleBinaryOperator fl, String where) {
        int[] out = broadcast(a.dims(), b.dims(), where);
        int n = (int) HostTensor.count(out);
        boolean floats = a.isFloat() || b.isFloat();
        float[] f = floats ? new float[n] : null;
        long[] l = floats ? null : new long[n];
        int[] idx = new int[out.length];
        for (int k = 0; k < n; k++) {
            int ia = source(a.dims(), out, idx), ib = source(b.dims(), out, idx);
            if (floats) f[k] = (float) fl.applyAsDouble(get(a, ia), get(b, ib));
            else l[k] = il.applyAsLong(a.longs()[ia], b.longs()[ib]);
            for (int d = out.length - 1; d >= 0 && ++idx[d] == out[d]; d--) idx[d] = 0;
        }
        return new HostTensor(out, f, l);
    }

    static double get(HostTensor t, int i) {
        return t.isFloat() ? t.floats()[i] : t.longs()[i];
    }

    static HostTensor reshape(HostTensor t, int[] dims) {
        return new HostTensor(dims, t.floats(), t.longs());
    }

    /** Elements of {@code t} along axis 0 (rank 1) or the whole tensor re-indexed: gather on axis {@code axis}. */
    static HostTensor gather(HostTensor data, HostTensor indices, int axis, String where) {
        int[] d = data.dims();
        if (axis < 0) axis += d.length;
        if (axis < 0 || axis >= d.length) throw new OnnxException(where + ": axis out of range for " + Arrays.toString(d));
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= d[i];
        for (int i = axis + 1; i < d.length; i++) inner *= d[i];
        int m = indices.size();
        int[] outDims = new int[d.length - 1 + indices.dims().length];
        int p = 0;
        for (int i = 0; i < axis; i++) outDims[p++] = d[i];
        for (int x : indices.dims()) outDims[p++] = x;
        for (int i = axis + 1; i < d.length; i++) outDims[p++] = d[i];
        int n = outer * m * inner;
        float[] f = data.isFloat() ? new float[n] : null;
        long[] l = data.isFloat() ? null : new long[n];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                long ix = indices.longs()[j];
                if (ix < 0) ix += d[axis];
                if (ix < 0 || ix >= d[axis]) throw new OnnxException(where + ": index " + indices.longs()[j] + " out of range for dimension " + d[axis]);
                for (int in = 0; in < inner; in++, k++) {
                    int src = (o * d[axis] + (int) ix) * inner + in;
                    if (f != null) f[k] = data.floats()[src];
                    else l[k] = data.longs()[src];
                }
            }
        }
        return new HostTensor(outDims, f, l);
    }

    /** Concatenation along {@code axis}. */
    static HostTensor concat(HostTensor[] parts, int axis, String where) {
        int[] d0 = parts[0].dims();
        if (axis < 0) axis += d0.length;
        if (axis < 0 || axis >= d0.length) throw new OnnxException(where + ": axis out of range for " + Arrays.toString(d0));
        boolean floats = false;
        int total = 0;
        for (HostTensor p : parts) {
            if (p.dims().length != d0.length) throw new OnnxException(where + ": inputs of different rank");
            floats |= p.isFloat();
            total += p.dims()[axis];
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= d0[i];
        for (int i = axis + 1; i < d0.length; i++) inner *= d0[i];
        int[] out = d0.clone();
        out[axis] = total;
        int n = (int) HostTensor.count(out);
        float[] f = floats ? new float[n] : null;
        long[] l = floats ? null : new long[n];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (HostTensor p : parts) {
                int len = p.dims()[axis] * inner;
                for (int j = 0; j < len; j++, k++) {
                    int src = o * len + j;
                    if (floats) f[k] = (float) get(p, src);
                    else l[k] = p.longs()[src];
                }
            }
        }
        return new HostTensor(out, f, l);
    }

    /** Slice of a rank-1 tensor (what shape subgraphs use). */
    static HostTensor slice1d(HostTensor t, long start, long end, long step, String where) {
        if (t.dims().length != 1) throw new OnnxException(where + ": slicing a constant is supported for 1-d tensors only, got " + Arrays.toString(t.dims()));
        if (step == 0) throw new OnnxException(where + ": step 0");
        int n = t.dims()[0];
        long s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
        int m = 0;
        long[] idx = new long[n];
        if (step > 0) {
            s = Math.clamp(s, 0, n);
            e = Math.clamp(e, 0, n);
            for (long i = s; i < e; i += step) idx[m++] = i;
        } else {
            s = Math.clamp(s, -1, n - 1);
            e = Math.clamp(e, -1, n - 1);
            for (long i = s; i > e; i += step) idx[m++] = i;
        }
        return gather(t, HostTensor.ofLongs(Arrays.copyOf(idx, m), m), 0, where);
    }
}
