package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.OmpParallel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the Java host loops on oneDNN's own OpenMP team (libgomp's
 * {@code GOMP_parallel}, the entry point compiled {@code #pragma omp parallel}
 * regions call), so they use the same threads as the primitives around them.
 * With a separate Java pool the two fight over the cores: after each primitive the
 * OpenMP workers spin-wait for the next one, and a Java worker thread competing with
 * them made the loops no faster on two threads than on one. Each team thread calls
 * back into Java (an FFM upcall) and takes its share of the planes.
 *
 * <p>An exception inside a share would kill the process in an upcall, so every
 * share catches everything and the first failure is rethrown on the calling thread.
 * Without libgomp (another OpenMP runtime or none) {@link #available()} is false
 * and callers split work some other way.
 */
final class OmpTeam {
    private static final Logger LOG = LoggerFactory.getLogger(OmpTeam.class);

    /** One parallel region's work: planes [0, n) split evenly over the team. */
    private record Task(long n, HostLoops.Planes body, AtomicReference<Throwable> failure) {
    }

    private static final ConcurrentHashMap<Long, Task> TASKS = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();

    private static final OmpParallel TEAM;

    static {
        OmpParallel team = null;
        try {
            MethodHandle share = MethodHandles.lookup().findStatic(OmpTeam.class, "share", MethodType.methodType(void.class, MemorySegment.class));
            team = OmpParallel.bind(share).orElse(null);
            if (team == null) LOG.debug("libgomp entry points not found: host loops use the fork-join pool");
        } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
            LOG.debug("OpenMP team unavailable for host loops: {}", e.toString());
        }
        TEAM = team;
    }

    private OmpTeam() {
    }

    static boolean available() {
        return TEAM != null;
    }

    /** Runs {@code body} over [0, n) on {@code threads} team threads (the caller is one of them) and waits. */
    static void run(long n, int threads, HostLoops.Planes body) {
        long id = IDS.incrementAndGet();
        Task task = new Task(n, body, new AtomicReference<>());
        TASKS.put(id, task);
        try {
            TEAM.run(MemorySegment.ofAddress(id), threads);
        } catch (Throwable e) {
            task.failure.compareAndSet(null, e);
        } finally {
            TASKS.remove(id);
        }
        Throwable f = task.failure.get();
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
        if (f != null) throw new IllegalStateException("host loop on the OpenMP team failed", f);
    }

    /** The upcall each team thread makes: its share of the task's planes. Never throws. */
    private static void share(MemorySegment data) {
        Task task = TASKS.get(data.address());
        if (task == null) return;
        try {
            int i = TEAM.threadNum(), k = TEAM.numThreads();
            long from = task.n * i / k, to = task.n * (i + 1) / k;
            if (from < to) task.body.run(from, to);
        } catch (Throwable e) {
            task.failure.compareAndSet(null, e);
        }
    }
}
