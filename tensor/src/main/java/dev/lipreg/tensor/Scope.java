package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * The lifetime of tensors. Every tensor is allocated in the innermost open scope
 * of its thread and becomes unusable when that scope closes, which frees its
 * memory at once (no GC, no finalizers):
 *
 * <pre>{@code
 * try (Scope model = Scope.open()) {          // parameters, optimizer state
 *     Module net = ...;
 *     for (Batch b : batches) {
 *         try (Scope step = Scope.open()) {   // every temporary of one step
 *             ...
 *         }
 *     }
 * }
 * }</pre>
 *
 * Host allocations are bump-allocated from slabs of a {@link MemoryPool}, so a
 * step costs no malloc per op and repeated steps reuse the same memory. A block
 * whose last reader is known to be done (an autograd engine's consumed
 * gradients, a backward rule's temporaries) can be handed back early with
 * {@link #release(Tensor)} or {@link Tracker#releaseAllBut}: it goes to this
 * scope's free list (best fit, split, merged with free neighbours) and serves
 * the scope's later allocations, so a step's footprint follows its live tensors
 * rather than everything it ever allocated. Other resources (device memory)
 * register with {@link #onClose(AutoCloseable)}.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
    private static final long ALIGN = 64;
    /** Requests at least this big get a slab of their own instead of ending the current one. */
    private static final long OWN_SLAB = MemoryPool.SLAB_BYTES / 4;

    private final MemoryPool pool;
    private final Thread owner;
    private final List<MemoryPool.Slab> slabs = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private MemoryPool.Slab current;
    private long offset;
    private long allocatedBytes, releasedBytes, peakLiveBytes;
    private boolean open = true;
    /** The slabs by base address, to find the slab of a block. */
    private final TreeMap<Long, MemoryPool.Slab> slabAt = new TreeMap<>();
    /** Free blocks: address → size, and size → addresses (best fit). */
    private final TreeMap<Long, Long> freeAt = new TreeMap<>();
    private final TreeMap<Long, ArrayDeque<Long>> freeBySize = new TreeMap<>();
    /** The open trackers, each recording the blocks handed out while it is open. */
    private final List<Tracker> trackers = new ArrayList<>();

    private Scope(MemoryPool pool) {
        this.pool = pool;
        this.owner = Thread.currentThread();
    }

    /**
     * Opens a scope on this thread's stack, drawing memory from the shared pool.
     *
     * @return the scope
     */
    public static Scope open() {
        return open(MemoryPool.shared());
    }

    /**
     * Opens a scope on this thread's stack, drawing memory from {@code pool}.
     *
     * @param pool the pool
     * @return the scope
     */
    public static Scope open(MemoryPool pool) {
        Scope s = new Scope(pool);
        STACK.get().push(s);
        return s;
    }

    /** {@return the innermost open scope of this thread} */
    public static Scope current() {
        Scope s = STACK.get().peek();
        if (s == null) {
            throw new IllegalStateException("no open Scope on thread '" + Thread.currentThread().getName()
                    + "': create tensors inside try (Scope scope = Scope.open()) { ... }");
        }
        return s;
    }

    /** {@return true when this thread has an open scope} */
    public static boolean isActive() {
        return !STACK.get().isEmpty();
    }

    /**
     * Runs {@code work} with this scope as the current one, so what it allocates
     * lives as long as this scope (e.g. optimizer state created during a step).
     *
     * @param <T>  the result's type
     * @param work the work
     * @return its result
     */
    public <T> T run(Supplier<T> work) {
        ensureOpen();
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("scope opened on thread '" + owner.getName() + "' used from '"
                    + Thread.currentThread().getName() + "'");
        }
        Deque<Scope> stack = STACK.get();
        stack.push(this);
        try {
            return work.get();
        } finally {
            stack.pop();
        }
    }

    /**
     * {@code bytes} of 64-byte aligned host memory, valid until this scope closes (or the block is released).
     *
     * @param bytes the size
     * @return the memory
     */
    public MemorySegment allocate(long bytes) {
        ensureOpen();
        long need = MemoryPool.roundUp(Math.max(bytes, 1), ALIGN);
        long at = takeFree(need);
        if (at < 0) at = bump(need);
        allocatedBytes += need;
        peakLiveBytes = Math.max(peakLiveBytes, allocatedBytes - releasedBytes);
        for (Tracker t : trackers) t.blocks.add(new long[]{at, need});
        return segmentAt(at, bytes);
    }

    /** A new block at the end of the current slab, or of a new one. */
    private long bump(long need) {
        if (current != null && offset + need <= current.bytes()) {
            long at = current.segment().address() + offset;
            offset += need;
            return at;
        }
        if (need >= OWN_SLAB) { // a slab of its own: the current slab's tail stays usable
            MemoryPool.Slab own = addSlab(need);
            if (own.bytes() > need) addFree(own.segment().address() + need, own.bytes() - need);
            return own.segment().address();
        }
        if (current != null && offset < current.bytes()) addFree(current.segment().address() + offset, current.bytes() - offset);
        current = addSlab(need);
        offset = need;
        return current.segment().address();
    }

    private MemoryPool.Slab addSlab(long need) {
        MemoryPool.Slab s = pool.acquire(need);
        slabs.add(s);
        slabAt.put(s.segment().address(), s);
        return s;
    }

    private MemorySegment segmentAt(long address, long bytes) {
        MemoryPool.Slab s = slabAt.floorEntry(address).getValue();
        return s.segment().asSlice(address - s.segment().address(), bytes);
    }

    /** The smallest free block that fits, split; -1 when none does. */
    private long takeFree(long need) {
        Map.Entry<Long, ArrayDeque<Long>> e = freeBySize.ceilingEntry(need);
        if (e == null) return -1;
        long size = e.getKey(), at = e.getValue().pop();
        if (e.getValue().isEmpty()) freeBySize.remove(size);
        freeAt.remove(at);
        if (size > need) addFree(at + need, size - need);
        return at;
    }

    private void addFree(long at, long size) {
        freeAt.put(at, size);
        freeBySize.computeIfAbsent(size, k -> new ArrayDeque<>()).push(at);
    }

    private void removeFree(long at, long size) {
        freeAt.remove(at);
        ArrayDeque<Long> q = freeBySize.get(size);
        q.remove(at);
        if (q.isEmpty()) freeBySize.remove(size);
    }

    /**
     * Hands {@code t}'s memory back to this scope for its later allocations. The
     * caller vouches that nothing reads it any more — neither {@code t} (which
     * fails from now on) nor a view of it ({@link Tensor#reshape} shares memory):
     * this is for engines that own the tensors they release, such as the
     * gradients an autograd backward pass consumes. Tensors not in host memory are
     * left alone (false).
     *
     * @param t a tensor of this scope
     * @return true if its memory was freed, false if it is not in host memory
     * @throws IllegalArgumentException if {@code t} belongs to another scope
     * @throws IllegalStateException    if the memory was already released or this scope is closed
     */
    public boolean release(Tensor t) {
        return release(List.of(t));
    }

    /**
     * {@link #release(Tensor)} for tensors that share one block of memory (a tensor
     * and its {@link Tensor#reshape views}): the block is freed once and every one
     * of them fails from now on.
     *
     * @param views tensors of this scope that all start at the same address
     * @return true if the block was freed, false if it is not in host memory or {@code views} is empty
     * @throws IllegalArgumentException if a tensor belongs to another scope or they do not share one block
     * @throws IllegalStateException    if the block was already released or this scope is closed
     */
    public boolean release(Collection<Tensor> views) {
        ensureOpen();
        long at = -1, size = 0;
        for (Tensor t : views) {
            if (t.scope() != this) throw new IllegalArgumentException("release: tensor " + t.dtype() + t.shape() + " belongs to another scope");
            if (!t.device().isHost()) return false;
            MemorySegment data = t.storage();
            if (at >= 0 && data.address() != at) throw new IllegalArgumentException("release: the tensors do not share one block");
            at = data.address();
            size = Math.max(size, MemoryPool.roundUp(Math.max(data.byteSize(), 1), ALIGN));
        }
        if (at < 0) return false;
        for (Tensor t : views) t.markReleased();
        free(at, size);
        return true;
    }

    private void free(long at, long size) {
        Map.Entry<Long, MemoryPool.Slab> slab = slabAt.floorEntry(at);
        if (slab == null || at + size > slab.getKey() + slab.getValue().bytes()) {
            throw new IllegalArgumentException("release: memory at 0x" + Long.toHexString(at) + " was not allocated by this scope");
        }
        Map.Entry<Long, Long> below = freeAt.floorEntry(at), next = freeAt.ceilingEntry(at);
        if ((below != null && below.getKey() + below.getValue() > at) || (next != null && next.getKey() < at + size)) {
            throw new IllegalStateException("release: memory at 0x" + Long.toHexString(at) + " released twice");
        }
        long base = slab.getKey(), end = base + slab.getValue().bytes();
        if (current == slab.getValue() && at + size > base + offset) {
            throw new IllegalArgumentException("release: memory at 0x" + Long.toHexString(at) + " was not handed out yet");
        }
        releasedBytes += size;
        for (Tracker t : trackers) { // an open tracker forgets the block: it may be handed out again
            long freed = at;
            t.blocks.removeIf(b -> b[0] == freed);
        }
        if (below != null && below.getKey() >= base && below.getKey() + below.getValue() == at) { // merge with the free block below
            removeFree(below.getKey(), below.getValue());
            size += at - below.getKey();
            at = below.getKey();
        }
        Long aboveSize = freeAt.get(at + size);
        if (aboveSize != null && at + size < end) { // and with the one above, in the same slab
            removeFree(at + size, aboveSize);
            size += aboveSize;
        }
        if (current == slab.getValue() && at + size == base + offset) {
            offset = at - base; // the end of the bump region moves back
        } else {
            addFree(at, size);
        }
    }

    /**
     * Starts recording the blocks this scope hands out, so that a caller which
     * knows what of a computation survives (an autograd engine running a backward
     * rule: only the gradients it returns) can release the rest at once with
     * {@link Tracker#releaseAllBut}. Trackers nest.
     *
     * @return an open tracker; close it (or release through it) when done
     * @throws IllegalStateException if this scope is closed
     */
    public Tracker track() {
        ensureOpen();
        Tracker t = new Tracker();
        trackers.add(t);
        return t;
    }

    /** The blocks handed out since {@link #track()}; see there. */
    public final class Tracker {
        /** Address, size pairs. */
        private final List<long[]> blocks = new ArrayList<>();
        private boolean done;

        private Tracker() {
        }

        /**
         * Whether {@code t}'s memory was handed out while this tracker was open (and not released since).
         *
         * @param t any tensor; one of another scope or off the host gives false
         * @return true if its block is one this tracker recorded
         */
        public boolean allocatedHere(Tensor t) {
            if (t.scope() != Scope.this || !t.device().isHost()) return false;
            long at = t.storage().address();
            for (long[] b : blocks) if (b[0] == at) return true;
            return false;
        }

        /**
         * The addresses of the blocks handed out while this tracker was open (and not released since).
         *
         * @return native addresses, a fresh set
         */
        public Set<Long> addresses() {
            Set<Long> s = new HashSet<>();
            for (long[] b : blocks) s.add(b[0]);
            return s;
        }

        /** Stops tracking and releases nothing. */
        public void close() {
            if (done) return;
            done = true;
            trackers.remove(this);
        }

        /**
         * Releases every block handed out since this tracker opened (and not
         * released since) whose address {@code dead} accepts, and stops tracking.
         *
         * @param dead accepts the native addresses of the blocks to free
         * @throws IllegalStateException if this tracker or its scope is already closed
         */
        public void releaseWhere(LongPredicate dead) {
            if (done) throw new IllegalStateException("tracker already closed");
            ensureOpen();
            close();
            for (int i = blocks.size() - 1; i >= 0; i--) { // newest first: the bump region shrinks back
                long[] b = blocks.get(i);
                if (dead.test(b[0])) free(b[0], b[1]);
            }
            blocks.clear();
        }

        /**
         * Releases every block handed out since this tracker opened except those of
         * {@code keep} (views count as their block), and stops tracking.
         *
         * @param keep the tensors that survive (nulls and other scopes' tensors are ignored)
         * @throws IllegalStateException if this tracker or its scope is already closed
         */
        public void releaseAllBut(Collection<Tensor> keep) {
            Set<Long> kept = new HashSet<>();
            for (Tensor t : keep) if (t != null && t.scope() == Scope.this && t.device().isHost()) kept.add(t.storage().address());
            releaseWhere(at -> !kept.contains(at));
        }
    }

    /**
     * Closes {@code resource} when this scope closes (in reverse order of registration).
     *
     * @param resource the resource
     */
    public void onClose(AutoCloseable resource) {
        ensureOpen();
        resources.add(resource);
    }

    /** {@return whether this scope is still open} */
    public boolean isOpen() {
        return open;
    }

    /** {@return the pool this scope draws its slabs from} */
    public MemoryPool pool() {
        return pool;
    }

    /**
     * Bytes handed out by {@link #allocate} so far (64-byte blocks, released ones included).
     *
     * @return the bytes
     */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    /** {@return bytes handed out and not released: the memory this scope's tensors hold now} */
    public long liveBytes() {
        return allocatedBytes - releasedBytes;
    }

    /** {@return the most {@link #liveBytes()} ever held at once, in bytes} */
    public long peakLiveBytes() {
        return peakLiveBytes;
    }

    void ensureOpen() {
        if (!open) throw new IllegalStateException("scope is closed: its tensors were freed when it closed");
    }

    @Override
    public void close() {
        if (!open) return;
        Deque<Scope> stack = STACK.get();
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a scope must be closed by the thread that opened it ('" + owner.getName() + "')");
        }
        if (stack.peek() != this) {
            throw new IllegalStateException("scopes must close innermost first; an inner scope is still open");
        }
        stack.pop();
        open = false;
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) failure = new IllegalStateException("closing a scope resource failed", e);
                else failure.addSuppressed(e);
            }
        }
        resources.clear();
        for (MemoryPool.Slab s : slabs) pool.release(s);
        slabs.clear();
        slabAt.clear();
        freeAt.clear();
        freeBySize.clear();
        trackers.clear();
        current = null;
        if (failure != null) throw failure;
    }
}
