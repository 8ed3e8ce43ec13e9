package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Strided copies (permute, slice, concat, broadcast) and int→float conversion as
 * oneDNN reorder primitives. A view is dims plus element strides over a base
 * address; INT64, which reorders do not convert, moves as pairs of s32 (an extra
 * innermost axis of 2), which is exact for pure data movement.
 */
final class Reorders {
    /** A strided view of one dtype: dims, element strides. */
    record View(DType dtype, long[] dims, long[] strides) {
        static View plain(DType dtype, long... dims) {
            return new View(dtype, dims, Descs.rowMajor(dims));
        }

        /** The same view in oneDNN terms: s32 pairs for INT64. */
        View lowered() {
            if (dtype != DType.INT64) return this;
            int r = dims.length;
            long[] d = java.util.Arrays.copyOf(dims, r + 1), s = new long[r + 1];
            d[r] = 2;
            for (int i = 0; i < r; i++) s[i] = strides[i] * 2;
            s[r] = 1;
            return new View(DType.INT32, d, s);
        }
    }

    private record Key(Dims dims, int srcType, Dims srcStrides, int dstType, Dims dstStrides) {
    }

    private final DnnlContext ctx;

    Reorders(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** Copies view {@code from} at {@code src} into view {@code to} (same dims) at {@code dst}, converting dtype. */
    void copy(View from, MemorySegment src, View to, MemorySegment dst) {
        View f = from.lowered(), t = to.lowered();
        if (!java.util.Arrays.equals(f.dims(), t.dims())) {
            throw new IllegalArgumentException("reorder: dims differ: " + Dims.of(f.dims()) + " and " + Dims.of(t.dims()));
        }
        int fromType = Descs.dataType(f.dtype()), toType = Descs.dataType(t.dtype());
        Prim p = ctx.cached(new Key(Dims.of(f.dims()), fromType, Dims.of(f.strides()), toType, Dims.of(t.strides())), () -> {
            try (Descs d = new Descs()) {
                return Relayout.reorder("reorder " + Dims.of(f.dims()) + " strides " + Dims.of(f.strides()) + " -> "
                        + Dims.of(t.strides()), ctx, d.strided(fromType, f.dims(), f.strides()), d.strided(toType, t.dims(), t.strides()));
            }
        });
        p.execute(ctx.stream, src, dst);
    }
}
