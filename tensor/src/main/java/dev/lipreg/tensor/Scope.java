package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
 * step costs no malloc per op and repeated steps reuse the same memory. Other
 * resources (device memory) register with {@link #onClose(AutoCloseable)}.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
    private static final long ALIGN = 64;

    private final MemoryPool pool;
    private final Thread owner;
    private final List<MemoryPool.Slab> slabs = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private MemoryPool.Slab current;
    private long offset;
    private long allocatedBytes;
    private boolean open = true;

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
     * {@code bytes} of 64-byte aligned host memory, valid until this scope closes.
     *
     * @param bytes the size
     * @return the memory
     */
    public MemorySegment allocate(long bytes) {
        ensureOpen();
        long need = Math.max(bytes, 1);
        if (current == null || MemoryPool.roundUp(offset, ALIGN) + need > current.bytes()) {
            current = pool.acquire(need);
            slabs.add(current);
            offset = 0;
        }
        long at = MemoryPool.roundUp(offset, ALIGN);
        offset = at + need;
        allocatedBytes += need;
        return current.segment().asSlice(at, bytes);
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
     * Bytes handed out by {@link #allocate} so far.
     *
     * @return the bytes
     */
    public long allocatedBytes() {
        return allocatedBytes;
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
        current = null;
        if (failure != null) throw failure;
    }
}
