package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Dnnl;
import dev.lipreg.bindings.NativePointers;
import dev.lipreg.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Scratch space for describing one primitive: memory descriptors, dims arrays and
 * out-parameters live until {@link #close()}, which destroys every descriptor made
 * here. Primitive descriptors copy what they need, so a {@code Descs} is closed as
 * soon as the primitive is built.
 */
final class Descs implements AutoCloseable {
    /** Creates a primitive descriptor into {@code out} and returns the status. */
    @FunctionalInterface
    interface PdCreator {
        int create(MemorySegment out);
    }

    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> mds = new ArrayList<>();
    private final List<MemorySegment> pds = new ArrayList<>();

    /** The oneDNN data type of a tensor dtype; INT64 only moves as pairs of s32 (see {@link Reorders}). */
    static int dataType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> dnnl_f32();
            case INT32, INT64 -> dnnl_s32();
            case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
        };
    }

    /** A {@code dnnl_dims_t} (int64[DNNL_MAX_NDIMS]) holding {@code values}. */
    MemorySegment dims(long... values) {
        if (values.length > DNNL_MAX_NDIMS()) {
            throw new IllegalArgumentException("oneDNN supports at most " + DNNL_MAX_NDIMS() + " dimensions, got " + values.length);
        }
        MemorySegment s = arena.allocate(C_LONG_LONG, DNNL_MAX_NDIMS());
        for (int i = 0; i < values.length; i++) s.setAtIndex(C_LONG_LONG, i, values[i]);
        return s;
    }

    /** Dense row-major float32 layout. */
    MemorySegment plain(long... dims) {
        return strided(dnnl_f32(), dims, rowMajor(dims));
    }

    /** Arbitrary element strides over the given dims (transposed, sliced or permuted views). */
    MemorySegment strided(int dataType, long[] dims, long[] strides) {
        MemorySegment out = arena.allocate(C_POINTER);
        Dnnl.check(dnnl_memory_desc_create_with_strides(out, dims.length, dims(dims), dataType, dims(strides)),
                "dnnl_memory_desc_create_with_strides");
        return keep(out.get(C_POINTER, 0));
    }

    /** "Choose the best layout": lets a primitive (convolution) pick a blocked format. */
    MemorySegment any(long... dims) {
        return tagged(dnnl_format_tag_any(), dims);
    }

    MemorySegment tagged(int tag, long... dims) {
        MemorySegment out = arena.allocate(C_POINTER);
        Dnnl.check(dnnl_memory_desc_create_with_tag(out, dims.length, dims(dims), dnnl_f32(), tag),
                "dnnl_memory_desc_create_with_tag");
        return keep(out.get(C_POINTER, 0));
    }

    /**
     * Runs a {@code dnnl_*_primitive_desc_create} function and returns the descriptor.
     * With {@code temporary} the descriptor (a hint for a backward primitive) is
     * destroyed with this object; otherwise the caller owns it.
     */
    MemorySegment pd(String function, boolean temporary, PdCreator creator) {
        MemorySegment out = arena.allocate(C_POINTER);
        Dnnl.check(creator.create(out), function);
        MemorySegment pd = out.get(C_POINTER, 0);
        if (temporary) pds.add(pd);
        return pd;
    }

    /**
     * Whether two memory descs address the same bytes the same way although they
     * differ as descs: plain strided layouts (no blocking, no padding, no offset)
     * whose strides agree on every dimension larger than 1. E.g. NCHW and NHWC with
     * one channel: a reorder between them would copy the memory onto itself.
     */
    static boolean sameMemory(MemorySegment a, MemorySegment b) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment i = arena.allocate(C_INT);
            int na = queryInt(a, dnnl_query_ndims_s32(), i), nb = queryInt(b, dnnl_query_ndims_s32(), i);
            if (na != nb || queryInt(a, dnnl_query_data_type(), i) != queryInt(b, dnnl_query_data_type(), i)) return false;
            for (MemorySegment md : new MemorySegment[]{a, b}) {
                if (queryInt(md, dnnl_query_format_kind(), i) != dnnl_blocked() || queryInt(md, dnnl_query_inner_nblks_s32(), i) != 0) return false;
                MemorySegment off = arena.allocate(C_LONG_LONG);
                if (dnnl_memory_desc_query(md, dnnl_query_submemory_offset_s64(), off) != 0 || off.get(C_LONG_LONG, 0) != 0) return false;
            }
            long[] da = queryDims(a, dnnl_query_dims(), na, arena), db = queryDims(b, dnnl_query_dims(), na, arena);
            long[] pa = queryDims(a, dnnl_query_padded_dims(), na, arena), pb = queryDims(b, dnnl_query_padded_dims(), na, arena);
            long[] sa = queryDims(a, dnnl_query_strides(), na, arena), sb = queryDims(b, dnnl_query_strides(), na, arena);
            if (!java.util.Arrays.equals(da, db) || !java.util.Arrays.equals(da, pa) || !java.util.Arrays.equals(db, pb)) return false;
            for (int d = 0; d < na; d++) if (da[d] > 1 && sa[d] != sb[d]) return false;
            return true;
        }
    }

    private static int queryInt(MemorySegment md, int what, MemorySegment out) {
        out.set(C_INT, 0, -1);
        return dnnl_memory_desc_query(md, what, out) == 0 ? out.get(C_INT, 0) : -1;
    }

    /** A dims-valued query: oneDNN hands back a pointer to its own dnnl_dims_t. */
    private static long[] queryDims(MemorySegment md, int what, int ndims, Arena arena) {
        MemorySegment ptr = arena.allocate(C_POINTER);
        Dnnl.check(dnnl_memory_desc_query(md, what, ptr), "dnnl_memory_desc_query");
        MemorySegment dims = NativePointers.target(ptr.get(C_POINTER, 0), (long) ndims * Long.BYTES);
        long[] v = new long[ndims];
        for (int d = 0; d < ndims; d++) v[d] = dims.getAtIndex(C_LONG_LONG, d);
        return v;
    }

    /** Like {@link #pd} but returns null (the caller's owned descriptor, or none) when oneDNN has no implementation. */
    MemorySegment tryPd(PdCreator creator) {
        MemorySegment out = arena.allocate(C_POINTER);
        return creator.create(out) == 0 ? out.get(C_POINTER, 0) : null;
    }

    /** The implementation a primitive descriptor chose, e.g. "brg_conv_fwd:avx512_core" or "ref:any". */
    static String implementation(MemorySegment pd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ptr = arena.allocate(C_POINTER);
            if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str(), 0, ptr) != 0) return "";
            return NativePointers.cString(ptr.get(C_POINTER, 0), 256);
        }
    }

    static long[] rowMajor(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(dims[i], 1);
        }
        return s;
    }

    private MemorySegment keep(MemorySegment md) {
        mds.add(md);
        return md;
    }

    @Override
    public void close() {
        for (MemorySegment md : mds) dnnl_memory_desc_destroy(md);
        for (MemorySegment pd : pds) dnnl_primitive_desc_destroy(pd);
        mds.clear();
        pds.clear();
        arena.close();
    }
}
