package dev.lipreg.tensor.cuda;

import dev.lipreg.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Index spaces for the strided kernels, packed as their C structs. Size-1 dims are dropped and
 * neighbours that are contiguous in every operand are merged, so most calls reach the kernel
 * with rank 1 or 2 (cheap index math) and any rank up to 8 after merging works.
 */
final class Geometry {
    static final int MAX_RANK = 8;

    private Geometry() {
    }

    /** Element strides of {@code in} as seen from {@code out} (numpy broadcasting): 0 on broadcast and missing axes. */
    static int[] broadcastStrides(Shape in, Shape out) {
        int r = out.rank(), off = r - in.rank();
        long[] s = in.strides();
        int[] b = new int[r];
        for (int i = 0; i < in.rank(); i++) b[i + off] = in.dim(i) == 1 ? 0 : Math.toIntExact(s[i]);
        return b;
    }

    static int[] contiguous(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** The lr_strides struct {rank, dims[8], sa[8], sb[8]} for an index space over {@code dims}. */
    static int[] strides(int[] dims, int[] sa, int[] sb) {
        List<int[]> axes = merge(dims, sa, sb);
        if (axes.size() > MAX_RANK) {
            throw new IllegalArgumentException("cuda backend: " + axes.size() + " axes that cannot be merged, at most " + MAX_RANK);
        }
        int[] st = new int[1 + 3 * MAX_RANK];
        st[0] = Math.max(1, axes.size());
        st[1] = 1; // a scalar: one element at offset 0
        for (int i = 0; i < axes.size(); i++) {
            st[1 + i] = axes.get(i)[0];
            st[1 + MAX_RANK + i] = axes.get(i)[1];
            st[1 + 2 * MAX_RANK + i] = axes.get(i)[2];
        }
        return st;
    }

    /** Drops size-1 axes and merges neighbours contiguous in both stride sets: {dim, sa, sb} per axis. */
    private static List<int[]> merge(int[] dims, int[] sa, int[] sb) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 1) continue;
            if (!out.isEmpty()) {
                int[] last = out.getLast();
                if (last[1] == sa[i] * dims[i] && last[2] == sb[i] * dims[i]) {
                    last[0] *= dims[i];
                    last[1] = sa[i];
                    last[2] = sb[i];
                    continue;
                }
            }
            out.add(new int[] {dims[i], sa[i], sb[i]});
        }
        return out;
    }

    /**
     * A reduction of {@code dims} over the axes marked in {@code reduced}: the lr_red struct
     * {nk, kd[8], ks[8], nr, rd[8], rs[8]} plus the output count m and reduced length len.
     */
    record Reduction(int[] struct, int m, int len) {
    }

    static Reduction reduction(int[] dims, boolean[] reduced) {
        int[] strides = contiguous(dims);
        List<int[]> kept = new ArrayList<>(), red = new ArrayList<>();
        long m = 1, len = 1;
        for (int i = 0; i < dims.length; i++) {
            if (reduced[i]) len *= dims[i];
            else m *= dims[i];
            if (dims[i] == 1) continue;
            List<int[]> list = reduced[i] ? red : kept;
            if (!list.isEmpty() && list.getLast()[1] == strides[i] * dims[i]) {
                list.getLast()[0] *= dims[i];
                list.getLast()[1] = strides[i];
            } else {
                list.add(new int[] {dims[i], strides[i]});
            }
        }
        if (kept.size() > MAX_RANK || red.size() > MAX_RANK) {
            throw new IllegalArgumentException("cuda backend: reductions support at most " + MAX_RANK + " separate axes");
        }
        int[] s = new int[2 + 4 * MAX_RANK];
        s[0] = kept.size();
        for (int i = 0; i < kept.size(); i++) {
            s[1 + i] = kept.get(i)[0];
            s[1 + MAX_RANK + i] = kept.get(i)[1];
        }
        int r0 = 1 + 2 * MAX_RANK;
        s[r0] = red.size();
        for (int i = 0; i < red.size(); i++) {
            s[r0 + 1 + i] = red.get(i)[0];
            s[r0 + 1 + MAX_RANK + i] = red.get(i)[1];
        }
        return new Reduction(s, Math.toIntExact(m), Math.toIntExact(len));
    }
}
