package dev.lipreg.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Host memory in large slabs, reused across scopes so a training loop does not
 * malloc and free per op and its footprint stays flat. Each slab is its own
 * shared {@link Arena}, freed deterministically by {@link #trim()} or {@link #close()}.
 */
public final class MemoryPool implements AutoCloseable {
    /** Smallest slab; bigger requests get a slab of their own size. */
    static final long SLAB_BYTES = 32L << 20;
    private static final MemoryPool SHARED = new MemoryPool();

    /** A slab: an arena and its one segment. */
    record Slab(Arena arena, MemorySegment segment) {
        long bytes() {
            return segment.byteSize();
        }
    }

    private final List<Slab> free = new ArrayList<>();
    private long reservedBytes;
    private long inUseBytes;
    private boolean closed;

    /**
     * An empty pool of its own (slabs are reserved on first use), for work whose
     * memory must be freed apart from the {@link #shared()} pool's; close it when done.
     */
    public MemoryPool() {
    }

    /** {@return the process-wide pool scopes draw from unless given another} */
    public static MemoryPool shared() {
        return SHARED;
    }

    /** A slab of at least {@code minBytes}, reusing a free one when it fits. */
    synchronized Slab acquire(long minBytes) {
        if (closed) throw new IllegalStateException("memory pool is closed");
        Slab best = null;
        for (Slab s : free) {
            if (s.bytes() >= minBytes && (best == null || s.bytes() < best.bytes())) best = s;
        }
        if (best != null) {
            free.remove(best);
        } else {
            long bytes = Math.max(SLAB_BYTES, roundUp(minBytes, 1L << 20));
            returnUnfit(bytes);
            Arena arena = Arena.ofShared();
            try {
                best = new Slab(arena, arena.allocate(bytes, 4096));
            } catch (OutOfMemoryError e) {
                arena.close();
                throw new OutOfMemoryError("cannot allocate " + (bytes >> 20) + " MiB of native memory for tensors ("
                        + (reservedBytes >> 20) + " MiB already reserved): " + e.getMessage());
            }
            reservedBytes += bytes;
        }
        inUseBytes += best.bytes();
        return best;
    }

    /**
     * No free slab fits a request for {@code bytes}: rather than grow by all of it
     * while the free slabs sit unused (an evaluation's batch of 500 needs larger
     * blocks than the training steps before it left), give up to that many bytes of
     * them back to the OS. Repeated identical steps never get here: their slabs fit.
     */
    private void returnUnfit(long bytes) {
        long returned = 0;
        for (var it = free.iterator(); it.hasNext() && returned < bytes; ) {
            Slab s = it.next();
            it.remove();
            returned += s.bytes();
            reservedBytes -= s.bytes();
            s.arena().close();
        }
    }

    synchronized void release(Slab slab) {
        inUseBytes -= slab.bytes();
        if (closed) {
            reservedBytes -= slab.bytes();
            slab.arena().close();
        } else {
            free.add(slab);
        }
    }

    /** Frees every slab not currently in use. */
    public synchronized void trim() {
        for (Slab s : free) {
            reservedBytes -= s.bytes();
            s.arena().close();
        }
        free.clear();
    }

    /**
     * Native bytes held by this pool, in use or cached.
     *
     * @return the bytes
     */
    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    /**
     * Native bytes held by open scopes.
     *
     * @return the bytes
     */
    public synchronized long inUseBytes() {
        return inUseBytes;
    }

    @Override
    public synchronized void close() {
        if (this == SHARED) throw new IllegalStateException("the shared memory pool cannot be closed; use trim()");
        closed = true;
        trim();
    }

    static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
