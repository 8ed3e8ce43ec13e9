package dev.lipreg.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Marshals kernel arguments into a reused {@code void**} array and launches 1-d grids. The
 * driver copies argument values at launch, so one buffer serves every launch; callers hold the
 * backend's lock. Arguments by declared C type: pointers and lr_u64/lr_i64 take a {@code Long},
 * int/unsigned an {@code Integer}, float a {@code Float}, double a {@code Double}, and the
 * lr_* structs an {@code int[]} of all their fields.
 */
final class Launcher implements AutoCloseable {
    static final int BLOCK = 256;
    /** Grid-stride loops cover the rest; keeps i + stride below 2^31 for up to 2^30 elements. */
    static final int MAX_GRID = 1 << 20;
    private static final int MAX_PARAMS = 16, VALUE_BYTES = 4096;

    private final GpuRuntime rt;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots = arena.allocate(8L * MAX_PARAMS, 8);
    private final MemorySegment values = arena.allocate(VALUE_BYTES, 8);
    /** Kernels launched so far (a diagnostic: launch overhead dominates small steps). */
    long launches;

    Launcher(GpuRuntime rt) {
        this.rt = rt;
    }

    /** Runs {@code kernel} with enough threads for a loop over {@code work} items (nothing when work is 0). */
    void launch(Kernels.Kernel kernel, long work, Object... args) {
        if (work <= 0) return;
        if (args.length != kernel.params().size()) {
            throw new IllegalStateException(kernel.name() + " takes " + kernel.params().size() + " arguments, got " + args.length);
        }
        long at = 0;
        for (int i = 0; i < args.length; i++) {
            String type = kernel.params().get(i);
            Object a = args[i];
            int structInts = Kernels.structInts(type);
            if (structInts >= 0) {
                int[] fields = expect(kernel, i, a, int[].class);
                if (fields.length != structInts) {
                    throw new IllegalStateException(kernel.name() + " argument " + i + ": " + type + " has " + structInts + " ints, got " + fields.length);
                }
                at = align(at, 4);
                MemorySegment.copy(fields, 0, values, ValueLayout.JAVA_INT, at, fields.length);
                slots.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
                at += 4L * fields.length;
            } else if (type.endsWith("*") || type.equals("lr_u64") || type.equals("lr_i64")) {
                at = align(at, 8);
                values.set(ValueLayout.JAVA_LONG, at, expect(kernel, i, a, Long.class));
                slots.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
                at += 8;
            } else if (type.equals("int") || type.equals("unsigned")) {
                at = align(at, 4);
                values.set(ValueLayout.JAVA_INT, at, expect(kernel, i, a, Integer.class));
                slots.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
                at += 4;
            } else if (type.equals("float")) {
                at = align(at, 4);
                values.set(ValueLayout.JAVA_FLOAT, at, expect(kernel, i, a, Float.class));
                slots.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
                at += 4;
            } else if (type.equals("double")) {
                at = align(at, 8);
                values.set(ValueLayout.JAVA_DOUBLE, at, expect(kernel, i, a, Double.class));
                slots.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
                at += 8;
            } else {
                throw new IllegalStateException(kernel.name() + ": unknown parameter type " + type);
            }
        }
        long blocks = Math.min((work + BLOCK - 1) / BLOCK, MAX_GRID);
        rt.launch(kernel, (int) blocks, BLOCK, slots);
        launches++;
    }

    private static <T> T expect(Kernels.Kernel k, int i, Object a, Class<T> type) {
        if (!type.isInstance(a)) {
            throw new IllegalStateException(k.name() + " argument " + i + " (" + k.params().get(i) + "): expected "
                    + type.getSimpleName() + ", got " + (a == null ? "null" : a.getClass().getSimpleName()));
        }
        return type.cast(a);
    }

    private static long align(long at, long to) {
        return (at + to - 1) / to * to;
    }

    @Override
    public void close() {
        arena.close();
    }
}
