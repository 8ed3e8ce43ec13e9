package dev.lipreg.tensor.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator: blocks go back to size-keyed free lists instead of cudaFree, so a
 * training loop reaches a steady state after its first step and then mallocs nothing. Reusing
 * a block at once is safe because all work runs on one stream, in order: whatever the next
 * owner enqueues runs after the last use by the previous one. {@link #trim()} returns the
 * cache to the driver; an out-of-memory cudaMalloc trims and retries once.
 */
final class DeviceAllocator implements AutoCloseable {
    private static final long SMALL = 1L << 20;

    /** A device block; closing it (its scope closed, or a temporary's try block ended) returns it to the cache. */
    final class Block implements AutoCloseable {
        final long address, bytes;
        private boolean live = true;
        /** For INT32 tensors made by maxPool2d: their values are positions in a plane of this size (-1 unknown). */
        long indexPlane = -1;
        /** For integer tensors uploaded from the host: the value range, checked once on the host. */
        boolean hasRange;
        long min, max;

        private Block(long address, long bytes) {
            this.address = address;
            this.bytes = bytes;
        }

        void copyTagsFrom(Block other) {
            indexPlane = other == null ? -1 : other.indexPlane;
            hasRange = other != null && other.hasRange;
            min = other == null ? 0 : other.min;
            max = other == null ? 0 : other.max;
        }

        @Override
        public void close() {
            release(this);
        }
    }

    private final GpuRuntime rt;
    private final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
    private final Map<Long, Block> live = new HashMap<>();
    private long reserved, inUse, cached;
    private boolean closed;

    DeviceAllocator(GpuRuntime rt) {
        this.rt = rt;
    }

    /** Size classes: 512-byte steps below 1 MiB, 64 KiB steps above. */
    static long sizeClass(long bytes) {
        if (bytes <= 0) return 0;
        long step = bytes < SMALL ? 512 : 64 << 10;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}; a zero-byte request gets address 0 and no memory. */
    synchronized Block allocate(long bytes) {
        if (closed) throw new IllegalStateException("the cuda backend's allocator is closed");
        long size = sizeClass(bytes);
        if (size == 0) return new Block(0, 0);
        Block b;
        // best fit among cached blocks at most 1/8 larger than the class
        Map.Entry<Long, ArrayDeque<Long>> e = free.ceilingEntry(size);
        if (e != null && e.getKey() <= size + size / 8) {
            long real = e.getKey();
            b = new Block(e.getValue().pop(), real);
            if (e.getValue().isEmpty()) free.remove(real);
            cached -= real;
        } else {
            b = new Block(mallocOrTrim(size), size);
            reserved += size;
        }
        live.put(b.address, b);
        inUse += b.bytes;
        return b;
    }

    private long mallocOrTrim(long size) {
        try {
            return rt.malloc(size);
        } catch (GpuRuntime.OutOfDeviceMemory e) {
            trim();
            try {
                return rt.malloc(size);
            } catch (GpuRuntime.OutOfDeviceMemory again) {
                throw new IllegalStateException("GPU out of memory: cannot allocate " + size + " bytes with " + inUse
                        + " bytes in use by open scopes; close scopes sooner or use a smaller batch", again);
            }
        }
    }

    synchronized void release(Block b) {
        if (!b.live) return;
        b.live = false;
        if (b.bytes == 0) return;
        live.remove(b.address);
        inUse -= b.bytes;
        if (closed) {
            rt.free(b.address);
            reserved -= b.bytes;
        } else {
            free.computeIfAbsent(b.bytes, k -> new ArrayDeque<>()).push(b.address);
            cached += b.bytes;
        }
    }

    /** The live block at {@code address}, or null (zero-size tensors, foreign memory). */
    synchronized Block find(long address) {
        return live.get(address);
    }

    /** Returns every cached block to the driver. */
    synchronized void trim() {
        for (Map.Entry<Long, ArrayDeque<Long>> e : free.entrySet()) {
            for (long address : e.getValue()) {
                rt.free(address);
                reserved -= e.getKey();
            }
        }
        free.clear();
        cached = 0;
    }

    /** Device bytes held: in use plus cached. */
    synchronized long reservedBytes() {
        return reserved;
    }

    /** Device bytes held by live blocks. */
    synchronized long inUseBytes() {
        return inUse;
    }

    synchronized long cachedBytes() {
        return cached;
    }

    /** Frees the cache now and each live block when its owner releases it. */
    @Override
    public synchronized void close() {
        closed = true;
        trim();
    }
}
