package dev.lipreg.tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a step's milliseconds go, op by op: wall time and calls of every
 * {@link KernelBackend} op, kept per op name ("conv2dBackwardData", "unary RELU",
 * "binary MUL", ...). Off unless the JVM starts with {@code -Dlipreg.profile=true};
 * {@link #ON} is a constant, so when off the JIT removes the timing entirely.
 * Only the outermost op of a thread is timed (a kernel that calls another public
 * op counts once), so the times add up to the time spent in the backend.
 */
public final class OpProfile {
    /** Whether ops are timed: {@code -Dlipreg.profile=true} at JVM start. */
    public static final boolean ON = Boolean.getBoolean("lipreg.profile");
    private static final Map<String, long[]> TOTALS = new ConcurrentHashMap<>(); // op → {calls, nanos}
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * One op's share of the backend's time.
     *
     * @param op    the op's name, e.g. "conv2dBackwardData" or "unary RELU"
     * @param calls how many outermost calls were timed
     * @param nanos their total wall time, in nanoseconds
     */
    public record Entry(String op, long calls, long nanos) {
    }

    private OpProfile() {
    }

    /** Before an op: its start time, or -1 when it runs inside another timed op. */
    static long start() {
        if (!ON) return 0;
        return DEPTH.get()[0]++ == 0 ? System.nanoTime() : -1;
    }

    /** After an op started at {@code t0}. */
    static void stop(String op, long t0) {
        if (!ON) return;
        DEPTH.get()[0]--;
        if (t0 >= 0) add(op, System.nanoTime() - t0);
    }

    /** Counts one call of {@code op} that took {@code nanos}. */
    static void add(String op, long nanos) {
        long[] e = TOTALS.computeIfAbsent(op, k -> new long[2]);
        synchronized (e) {
            e[0]++;
            e[1] += nanos;
        }
    }

    /** Forgets what was timed so far. */
    public static void reset() {
        TOTALS.clear();
    }

    /**
     * The ops timed since the last {@link #reset()}, the most expensive first
     * (empty when profiling is off).
     *
     * @return a copy; later calls do not change it
     */
    public static List<Entry> snapshot() {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : TOTALS.entrySet()) {
            synchronized (e.getValue()) {
                out.add(new Entry(e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
        }
        out.sort(Comparator.comparingLong(Entry::nanos).reversed().thenComparing(Entry::op));
        return out;
    }
}
