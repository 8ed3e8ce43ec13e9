package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.StorageLayout;
import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * A oneDNN layout an image tensor [N,C,H,W] stays in between this backend's ops:
 * channel blocks of 16 or 8 (nChw16c, nChw8c) or channels last (nhwc), never padded
 * (C a multiple of the block), so the bytes are as many as row-major. A convolution
 * leaves its output in the layout its kernel wrote; batch norm, element-wise ops and
 * the next convolution read it as it is; anything else calls {@link Tensor#data()},
 * which reorders it to row-major in place (see docs/benchmarks.md, "Carrying
 * oneDNN's layout between ops").
 *
 * @param owner the backend whose kernels read this layout
 * @param tag   the oneDNN format tag
 */
record Carried(DnnlBackend owner, int tag) implements StorageLayout {
    /** The layouts carried, in the order {@link #tagOf} tries them. */
    static final int[] TAGS = {dnnl_aBcd16b(), dnnl_aBcd8b(), dnnl_acdb()};

    @Override
    public void toRowMajor(Tensor t) {
        owner.toRowMajor(t, this);
    }

    /** {@return how many channels of an image with {@code channels} sit together at one position: the block, or all} */
    int lanes(int channels) {
        return lanes(tag, channels);
    }

    private static int lanes(int tag, int channels) {
        return tag == dnnl_aBcd16b() ? 16 : tag == dnnl_aBcd8b() ? 8 : channels;
    }

    /** {@return the tag of {@code owner}'s layout {@code t} is in, or {@link CarriedReorders#ROW_MAJOR}} */
    static int layoutTag(Tensor t, DnnlBackend owner) {
        return t.storageLayout() instanceof Carried c && c.owner == owner ? c.tag : CarriedReorders.ROW_MAJOR;
    }

    /**
     * The carried tag {@code chosen} (a primitive's memory desc for an image of
     * {@code dims}) is, or -1 when it is another layout, row-major, or padded.
     */
    static int tagOf(Descs d, MemorySegment chosen, long[] dims) {
        if (dims.length != 4) return -1;
        for (int tag : TAGS) {
            if (dims[1] % lanes(tag, (int) dims[1]) != 0) continue; // a padded block
            if (dnnl_memory_desc_equal(chosen, d.tagged(tag, dims)) != 0) return tag;
        }
        return -1;
    }
}
