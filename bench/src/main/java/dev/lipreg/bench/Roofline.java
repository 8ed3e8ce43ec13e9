package dev.lipreg.bench;

import dev.lipreg.bindings.Dnnl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.dnnl_sgemm;

/**
 * The measured compute roof: oneDNN's {@code dnnl_sgemm} on n×n×n float32
 * matrices with the calling thread's OpenMP thread count. GFLOP/s = 2n³ / time.
 */
public final class Roofline {
    private Roofline() {
    }

    /** Best and median GFLOP/s over {@code reps} timed calls after two warm-up calls. */
    public record Result(int n, double bestGflops, double medianGflops) {
    }

    public static Result sgemm(int n, int reps) {
        if (n < 1 || reps < 1) throw new IllegalArgumentException("n and reps must be >= 1, got " + n + " and " + reps);
        Dnnl.ensureLoaded();
        long elems = (long) n * n;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(ValueLayout.JAVA_FLOAT, elems);
            MemorySegment b = arena.allocate(ValueLayout.JAVA_FLOAT, elems);
            MemorySegment c = arena.allocate(ValueLayout.JAVA_FLOAT, elems);
            for (long i = 0; i < elems; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((i * 7 % 13) - 6) / 8f);
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((i * 5 % 11) - 5) / 8f);
            }
            double[] gflops = new double[reps];
            for (int r = -2; r < reps; r++) {
                long t0 = System.nanoTime();
                Dnnl.check(dnnl_sgemm((byte) 'N', (byte) 'N', n, n, n, 1f, a, n, b, n, 0f, c, n), "dnnl_sgemm");
                long dt = System.nanoTime() - t0;
                if (r >= 0) gflops[r] = 2.0 * n * n * n / dt;
            }
            Arrays.sort(gflops);
            return new Result(n, gflops[reps - 1], gflops[reps / 2]);
        }
    }
}
