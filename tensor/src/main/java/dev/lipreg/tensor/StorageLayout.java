package dev.lipreg.tensor;

/**
 * A backend's own order of a tensor's elements in its memory: the same bytes as
 * row-major, permuted (oneDNN's channel-blocked activations, for instance), so that
 * a chain of that backend's ops passes its results on without converting them.
 * Only the backend that made a tensor reads it in its layout; {@link Tensor#data()}
 * converts it to row-major in place before anything else reads it. See
 * docs/benchmarks.md, "Carrying oneDNN's layout between ops".
 */
public interface StorageLayout {
    /**
     * Rewrites {@code t}'s memory, now in this layout, as row-major in place and
     * clears its layout ({@link Tensor#setStorageLayout}{@code (null)}); does nothing
     * when another thread already did.
     *
     * @param t a tensor whose {@link Tensor#storageLayout()} was this
     */
    void toRowMajor(Tensor t);
}
