package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Reorders of image tensors between row-major and the {@link Carried} layouts,
 * cached per shape: how an op whose operands arrive in different layouts brings
 * them to one without touching the tensors themselves.
 */
final class CarriedReorders {
    /** The layout argument meaning row-major. */
    static final int ROW_MAJOR = -1;

    private record Key(int from, int to, Dims dims) {
    }

    private final DnnlContext ctx;

    CarriedReorders(DnnlContext ctx) {
        this.ctx = ctx;
    }

    /** A reorder of an image of {@code dims} from layout {@code from} to {@code to} (tags, or {@link #ROW_MAJOR}). */
    Prim between(int from, int to, long[] dims) {
        return ctx.cached(new Key(from, to, Dims.of(dims)), () -> {
            try (Descs d = new Descs()) {
                return Relayout.reorder("reorder " + name(from) + " to " + name(to) + " " + Dims.of(dims), ctx, md(d, from, dims), md(d, to, dims));
            }
        });
    }

    /**
     * {@code t}'s elements in layout {@code tag}: its memory as it is when it is
     * already in it, else reordered into {@code scratch} ({@code t} is left as it is).
     */
    MemorySegment in(Tensor t, DnnlBackend owner, int tag, Scope scratch) {
        int from = Carried.layoutTag(t, owner);
        if (from == tag) return t.storage();
        MemorySegment out = scratch.allocate(t.byteSize());
        between(from, tag, Conv.longs(t.shape())).execute(ctx.stream, from == ROW_MAJOR ? t.data() : t.storage(), out);
        return out;
    }

    private static MemorySegment md(Descs d, int tag, long[] dims) {
        return tag == ROW_MAJOR ? d.plain(dims) : d.tagged(tag, dims);
    }

    private static String name(int tag) {
        return tag == ROW_MAJOR ? "row-major" : "tag " + tag;
    }
}
