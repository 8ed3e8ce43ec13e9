package dev.lipreg.tensor.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching allocator against a counting fake device: reuse, size classes, trim, out-of-memory retry, close. */
class DeviceAllocatorTest {

    /** Hands out fake addresses; fails with out-of-memory beyond {@code capacity} live bytes. */
    static final class FakeDevice implements GpuRuntime {
        final Set<Long> live = new HashSet<>();
        long next = 1 << 20, liveBytes, capacity = Long.MAX_VALUE;
        int mallocs, frees;
        private final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        @Override
        public long malloc(long bytes) {
            if (liveBytes + bytes > capacity) throw new OutOfDeviceMemory("fake device full");
            long a = next;
            next += bytes + 4096;
            live.add(a);
            sizes.put(a, bytes);
            liveBytes += bytes;
            mallocs++;
            return a;
        }

        @Override
        public void free(long address) {
            assertTrue(live.remove(address), "double or foreign free");
            liveBytes -= sizes.remove(address);
            frees++;
        }

        @Override public void toDevice(long dst, MemorySegment src, long bytes) { }
        @Override public void toHost(MemorySegment dst, long src, long bytes) { }
        @Override public void copy(long dst, long src, long bytes) { }
        @Override public void launch(Kernels.Kernel kernel, int grid, int block, MemorySegment params) { }
        @Override public void synchronize() { }
        @Override public MemorySegment stream() { return MemorySegment.NULL; }
        @Override public void close() { }
    }

    @Test
    void sizeClasses() {
        assertEquals(0, DeviceAllocator.sizeClass(0));
        assertEquals(512, DeviceAllocator.sizeClass(1));
        assertEquals(1024, DeviceAllocator.sizeClass(513));
        assertEquals(1 << 20, DeviceAllocator.sizeClass((1 << 20) - 1));
        assertEquals((1 << 20) + (64 << 10), DeviceAllocator.sizeClass((1 << 20) + 1));
    }

    @Test
    void releasedBlocksAreReusedWithoutMalloc() {
        FakeDevice d = new FakeDevice();
        DeviceAllocator a = new DeviceAllocator(d);
        DeviceAllocator.Block b1 = a.allocate(1000), b2 = a.allocate(3000);
        assertEquals(2, d.mallocs);
        long first = b1.address;
        b1.close();
        b1.close(); // idempotent
        assertEquals(1024, a.cachedBytes());
        DeviceAllocator.Block b3 = a.allocate(900); // same class
        assertEquals(first, b3.address);
        assertEquals(2, d.mallocs);
        b2.close();
        DeviceAllocator.Block b4 = a.allocate(2000); // class 2048: the cached 3072 is more than 1/8 larger
        assertNotEquals(b2.address, b4.address);
        assertEquals(3, d.mallocs);
        DeviceAllocator.Block b5 = a.allocate(2900); // 3072 class: reuses b2's block
        assertEquals(b2.address, b5.address);
        assertEquals(d.liveBytes, a.reservedBytes());
        assertEquals(a.reservedBytes(), a.inUseBytes() + a.cachedBytes());
    }

    @Test
    void zeroBytesAllocateNothing() {
        FakeDevice d = new FakeDevice();
        DeviceAllocator a = new DeviceAllocator(d);
        DeviceAllocator.Block z = a.allocate(0);
        assertEquals(0, z.address);
        z.close();
        assertEquals(0, d.mallocs);
        assertEquals(null, a.find(0));
    }

    @Test
    void outOfMemoryTrimsTheCacheAndRetries() {
        FakeDevice d = new FakeDevice();
        d.capacity = 4096;
        DeviceAllocator a = new DeviceAllocator(d);
        a.allocate(2048).close(); // cached, still held on the device
        a.allocate(1024).close();
        DeviceAllocator.Block big = a.allocate(4000); // no cached block fits: malloc fails, trim, retry succeeds
        assertEquals(4096, big.bytes);
        assertEquals(0, a.cachedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(1000));
        assertTrue(e.getMessage().contains("GPU out of memory"), e.getMessage());
    }

    @Test
    void trimAndCloseReturnEverything() {
        FakeDevice d = new FakeDevice();
        DeviceAllocator a = new DeviceAllocator(d);
        DeviceAllocator.Block kept = a.allocate(100);
        a.allocate(5000).close();
        a.trim();
        assertEquals(1, d.live.size());
        assertEquals(kept, a.find(kept.address));
        a.close();
        assertThrows(IllegalStateException.class, () -> a.allocate(1));
        kept.close(); // released after close: freed at once
        assertEquals(0, d.live.size());
        assertEquals(0, a.reservedBytes());
    }
}
