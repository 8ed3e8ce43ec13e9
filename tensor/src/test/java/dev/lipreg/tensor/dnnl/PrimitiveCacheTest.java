package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.NativeException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.dnnl_invalid_arguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LRU primitive cache, and oneDNN failures surfacing as NativeException naming the call. */
class PrimitiveCacheTest extends DnnlTestSupport {
    private static final class Entry implements AutoCloseable {
        final List<String> closed;
        final String name;

        Entry(List<String> closed, String name) {
            this.closed = closed;
            this.name = name;
        }

        @Override
        public void close() {
            closed.add(name);
        }
    }

    @Test
    void buildsOnceAndEvictsLeastRecentlyUsed() {
        List<String> closed = new ArrayList<>();
        PrimitiveCache cache = new PrimitiveCache(2);
        Entry a = cache.get("a", () -> new Entry(closed, "a"));
        assertSame(a, cache.get("a", () -> new Entry(closed, "a again")));
        cache.get("b", () -> new Entry(closed, "b"));
        cache.get("a", () -> new Entry(closed, "a again"));  // a is now the most recent
        cache.get("c", () -> new Entry(closed, "c"));        // evicts b
        assertEquals(List.of("b"), closed);
        assertEquals(2, cache.size());
        cache.clear();
        assertEquals(List.of("b", "a", "c"), closed);
        assertEquals(0, cache.size());
    }

    @Test
    void failingCallsNameTheFunctionAndStatus() {
        try (Descs d = new Descs()) {
            NativeException e = assertThrows(NativeException.class,
                    () -> d.pd("dnnl_example_primitive_desc_create", false, out -> dnnl_invalid_arguments()));
            assertTrue(e.getMessage().contains("dnnl_example_primitive_desc_create"), e.getMessage());
            assertTrue(e.getMessage().contains("dnnl_invalid_arguments"), e.getMessage());
        }
        // a real oneDNN refusal: a reorder between memory of different dims
        DnnlContext ctx = new DnnlContext();
        try (ctx; Descs d = new Descs()) {
            MemorySegment from = d.plain(2, 3), to = d.plain(3, 2);
            NativeException e = assertThrows(NativeException.class, () -> Relayout.reorder("test reorder", ctx, from, to));
            assertTrue(e.getMessage().contains("dnnl_reorder_primitive_desc_create"), e.getMessage());
        }
    }
}
