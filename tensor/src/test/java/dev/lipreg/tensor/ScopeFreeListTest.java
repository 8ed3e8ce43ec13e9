package dev.lipreg.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scope's free list: released blocks serve the scope's later allocations (best
 * fit, split, merged with free neighbours), a released tensor cannot be read, and
 * a tracker releases all but what its caller keeps.
 */
class ScopeFreeListTest {
    private static final Backend REF = Backends.reference();
    private static final int N = 1000; // 8,000 bytes of FLOAT64: a multiple of the 64-byte block alignment

    private static Tensor filled(double v) {
        return REF.full(Shape.of(N), DType.FLOAT64, v);
    }

    private static long address(Tensor t) {
        return t.data().address();
    }

    @Test
    void aReleasedBlockServesTheNextAllocationOfItsSize() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            Tensor a = filled(1), b = filled(2);
            long at = address(a), live = s.liveBytes();
            assertTrue(s.release(a));
            assertEquals(live - a.byteSize(), s.liveBytes());
            Tensor c = filled(3);
            assertEquals(at, address(c), "the freed block was not reused");
            assertEquals(2.0, b.toDoubleArray()[N - 1], "a neighbour was overwritten");
            assertEquals(live, s.peakLiveBytes());
        }
    }

    @Test
    void freeNeighboursMergeAndALargerBlockIsSplit() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            Tensor a = filled(1), b = filled(2), c = filled(3);
            long at = address(a);
            s.release(a);
            s.release(b);
            Tensor twice = REF.full(Shape.of(2 * N), DType.FLOAT64, 4); // fits only in a and b merged
            assertEquals(at, address(twice));
            s.release(twice);
            Tensor small = REF.full(Shape.of(512), DType.FLOAT64, 5), rest = REF.full(Shape.of(N), DType.FLOAT64, 6);
            assertEquals(at, address(small), "best fit takes the front of the merged block");
            assertEquals(at + small.byteSize(), address(rest), "and the remainder serves the next request");
            assertEquals(3.0, c.toDoubleArray()[0]);
        }
    }

    @Test
    void theLastBlockGivesItsBytesBackToTheSlabsEnd() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            filled(1);
            Tensor last = filled(2);
            long at = address(last);
            s.release(last);
            assertEquals(at, address(REF.full(Shape.of(3 * N), DType.FLOAT64, 0)), "a larger block did not start where the last one was");
        }
    }

    @Test
    void aLargeTensorDoesNotEndTheCurrentSlab() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            Tensor a = filled(1);
            Tensor big = REF.full(Shape.of((int) (MemoryPool.SLAB_BYTES / 8)), DType.FLOAT64, 0); // a whole slab's worth
            Tensor b = filled(2);
            assertEquals(address(a) + a.byteSize(), address(b), "the small tensor after a large one started a new slab");
            assertEquals(MemoryPool.SLAB_BYTES + big.byteSize(), pool.inUseBytes());
        }
    }

    @Test
    void aReleasedTensorCannotBeUsedNorReleasedAgain() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            Tensor a = filled(1);
            Tensor view = a.reshape(10, 100);
            filled(2); // a is not the last block, so it goes to the free list
            s.release(a);
            assertFalse(a.isAlive());
            IllegalStateException e = assertThrows(IllegalStateException.class, a::toDoubleArray);
            assertTrue(e.getMessage().contains("released"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> s.release(view), "a view of a released block was released again");
            try (Scope inner = Scope.open(pool)) {
                Tensor other = filled(2);
                assertThrows(IllegalArgumentException.class, () -> s.release(other));
            }
        }
    }

    @Test
    void aTrackerReleasesAllButWhatItKeeps() {
        try (MemoryPool pool = new MemoryPool(); Scope s = Scope.open(pool)) {
            Tensor before = filled(1);
            long live = s.liveBytes();
            Scope.Tracker t = s.track();
            Tensor tmp1 = filled(2), keep = REF.binary(BinaryOp.ADD, tmp1, before), tmp2 = filled(3);
            Tensor keptView = keep.reshape(N, 1);
            assertTrue(t.allocatedHere(keep) && t.allocatedHere(keptView) && !t.allocatedHere(before));
            t.releaseAllBut(List.of(keptView));
            assertEquals(live + keep.byteSize(), s.liveBytes());
            long again = address(filled(4));
            assertTrue(again == address(tmp1) || again == address(tmp2), "a released temporary's block was not reused");
            double[] three = new double[N];
            java.util.Arrays.fill(three, 3);
            assertArrayEquals(three, keep.toDoubleArray());
            assertThrows(IllegalStateException.class, () -> t.releaseAllBut(List.of()));
        }
    }

    @Test
    void slabsTooSmallForARequestGoBackInsteadOfGrowingThePool() {
        try (MemoryPool pool = new MemoryPool()) {
            try (Scope s = Scope.open(pool)) {
                filled(1);
                try (Scope t = Scope.open(pool)) {
                    filled(1); // a slab each
                }
            }
            assertEquals(2 * MemoryPool.SLAB_BYTES, pool.reservedBytes());
            try (Scope s = Scope.open(pool)) {
                REF.full(Shape.of((int) (MemoryPool.SLAB_BYTES / 4)), DType.FLOAT64, 0); // 2 slabs' worth: neither fits
            }
            assertEquals(2 * MemoryPool.SLAB_BYTES, pool.reservedBytes(), "the pool grew while two unfit slabs sat free");
            try (Scope s = Scope.open(pool)) {
                REF.full(Shape.of((int) (MemoryPool.SLAB_BYTES / 4)), DType.FLOAT64, 0); // now it fits: nothing changes
            }
            assertEquals(2 * MemoryPool.SLAB_BYTES, pool.reservedBytes());
        }
    }
}
