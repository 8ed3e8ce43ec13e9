package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Shape;


/** Index arithmetic for broadcasting and permutation. */
final class Indexing {
    private Indexing() {
    }

    /** For each element of {@code out}, the flat index of the element of {@code in} that broadcasts to it. */
    static int[] broadcastIndex(Shape in, Shape out) {
        int r = out.rank(), off = r - in.rank();
        long[] inStrides = in.strides();
        int[] outDims = out.dims();
        int[] map = new int[out.intSize()];
        int[] pos = new int[r];
        for (int i = 0; i < map.length; i++) {
            long src = 0;
            for (int k = off; k < r; k++) {
                if (in.dim(k - off) != 1) src += pos[k] * inStrides[k - off];
            }
            map[i] = (int) src;
            increment(pos, outDims);
        }
        return map;
    }

    /** Advances a row-major multi-index. */
    static void increment(int[] pos, int[] dims) {
        for (int k = pos.length - 1; k >= 0; k--) {
            if (++pos[k] < dims[k]) return;
            pos[k] = 0;
        }
    }
}
