package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * 2-d products as oneDNN matmul primitives. Transposed operands are described by
 * swapped strides instead of being copied, and a bias [N] is passed to the
 * primitive as a broadcast [1,N] operand, so a fully connected layer is one call.
 */
final class Matmul {
    private record Key(long m, long k, long n, boolean transA, boolean transB, boolean bias) {
    }

    /** A 3-d operand: dims [B, rows, cols] (B = 1 broadcasts) and element strides. */
    record View(long[] dims, long[] strides) {
        static View plain(long... dims) {
            return new View(dims, Descs.rowMajor(dims));
        }

        /** The transpose of a plain [B, cols, rows] matrix, as a [B, rows, cols] view. */
        static View transposed(long b, long rows, long cols) {
            return new View(new long[]{b, rows, cols}, new long[]{rows * cols, 1, rows});
        }

        Dims key() {
            long[] k = java.util.Arrays.copyOf(dims, 6);
            System.arraycopy(strides, 0, k, 3, 3);
            return Dims.of(k);
        }
    }

    private record BatchedKey(Dims a, Dims b, Dims bias, Dims c) {
    }

    private final DnnlContext ctx;

    Matmul(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** c[M,N] = op(a) · op(b) (+ bias); a is [M,K] or, transposed, [K,M]; b is [K,N] or [N,K]. */
    void run(long m, long k, long n, boolean transA, boolean transB,
             MemorySegment a, MemorySegment b, MemorySegment bias, MemorySegment c) {
        boolean hasBias = bias != null;
        Prim prim = ctx.cached(new Key(m, k, n, transA, transB, hasBias), () -> {
            try (Descs d = new Descs()) {
                int f32 = dnnl_f32();
                MemorySegment src = d.strided(f32, new long[]{m, k}, transA ? new long[]{1, m} : new long[]{k, 1});
                MemorySegment wei = d.strided(f32, new long[]{k, n}, transB ? new long[]{1, k} : new long[]{n, 1});
                MemorySegment bia = hasBias ? d.plain(1, n) : MemorySegment.NULL;
                MemorySegment dst = d.plain(m, n);
                MemorySegment pd = d.pd("dnnl_matmul_primitive_desc_create", false, o ->
                        dnnl_matmul_primitive_desc_create(o, ctx.engine, src, wei, bia, dst, MemorySegment.NULL));
                String name = "matmul " + m + "x" + k + (transA ? "ᵀ" : "") + " · " + k + "x" + n + (transB ? "ᵀ" : "");
                return hasBias
                        ? new Prim(name + " + bias", pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_WEIGHTS(), DNNL_ARG_BIAS(), DNNL_ARG_DST())
                        : new Prim(name, pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_WEIGHTS(), DNNL_ARG_DST());
            }
        });
        if (hasBias) prim.execute(ctx.stream, a, b, bias, c);
        else prim.execute(ctx.stream, a, b, c);
    }

    /**
     * Batched products c[i] = a[i] · b[i] (+ bias) over 3-d views; a batch dim of 1
     * broadcasts. c is plain [B, M, N]; the bias, when given, is plain with dims
     * {@code biasDims} broadcasting to c's (e.g. [1, M, 1]: one value per row).
     */
    void batched(View a, View b, long[] biasDims, long[] cDims, MemorySegment ad, MemorySegment bd, MemorySegment biasData,
                 MemorySegment cd) {
        boolean hasBias = biasDims != null;
        Prim prim = ctx.cached(new BatchedKey(a.key(), b.key(), hasBias ? Dims.of(biasDims) : null, Dims.of(cDims)), () -> {
            try (Descs d = new Descs()) {
                int f32 = dnnl_f32();
                MemorySegment src = d.strided(f32, a.dims(), a.strides());
                MemorySegment wei = d.strided(f32, b.dims(), b.strides());
                MemorySegment bia = hasBias ? d.plain(biasDims) : MemorySegment.NULL;
                MemorySegment dst = d.plain(cDims);
                MemorySegment pd = d.pd("dnnl_matmul_primitive_desc_create", false, o ->
                        dnnl_matmul_primitive_desc_create(o, ctx.engine, src, wei, bia, dst, MemorySegment.NULL));
                String name = "batched matmul " + Dims.of(a.dims()) + " · " + Dims.of(b.dims()) + " -> " + Dims.of(cDims);
                return hasBias
                        ? new Prim(name + " + bias", pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_WEIGHTS(), DNNL_ARG_BIAS(), DNNL_ARG_DST())
                        : new Prim(name, pd, ctx.engine, DNNL_ARG_SRC(), DNNL_ARG_WEIGHTS(), DNNL_ARG_DST());
            }
        });
        if (hasBias) prim.execute(ctx.stream, ad, bd, biasData, cd);
        else prim.execute(ctx.stream, ad, bd, cd);
    }
}
