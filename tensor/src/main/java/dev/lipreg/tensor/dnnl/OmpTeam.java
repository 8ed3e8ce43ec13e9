package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Dnnl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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

    private static final MethodHandle PARALLEL, THREAD_NUM, NUM_THREADS;
    private static final MemorySegment BODY;

    static {
        MethodHandle parallel = null, threadNum = null, numThreads = null;
        MemorySegment body = null;
        try {
            Dnnl.ensureLoaded();
            SymbolLookup lookup = SymbolLookup.loaderLookup();
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> p = lookup.find("GOMP_parallel"), t = lookup.find("omp_get_thread_num"),
                    k = lookup.find("omp_get_num_threads");
            if (p.isPresent() && t.isPresent() && k.isPresent()) {
                parallel = linker.downcallHandle(p.get(), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
                threadNum = linker.downcallHandle(t.get(), FunctionDescriptor.of(JAVA_INT));
                numThreads = linker.downcallHandle(k.get(), FunctionDescriptor.of(JAVA_INT));
                MethodHandle share = MethodHandles.lookup().findStatic(OmpTeam.class, "share", MethodType.methodType(void.class, MemorySegment.class));
                body = linker.upcallStub(share, FunctionDescriptor.ofVoid(ADDRESS), Arena.global());
            } else {
                LOG.debug("libgomp entry points not found: host loops use the fork-join pool");
            }
        } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
            LOG.debug("OpenMP team unavailable for host loops: {}", e.toString());
            parallel = null;
        }
        PARALLEL = parallel;
        THREAD_NUM = threadNum;
        NUM_THREADS = numThreads;
        BODY = body;
    }

    private OmpTeam() {
    }

    static boolean available() {
        return PARALLEL != null;
    }

    /** Runs {@code body} over [0, n) on {@code threads} team threads (the caller is one of them) and waits. */
    static void run(long n, int threads, HostLoops.Planes body) {
        long id = IDS.incrementAndGet();
        Task task = new Task(n, body, new AtomicReference<>());
        TASKS.put(id, task);
        try {
            PARALLEL.invokeExact(BODY, MemorySegment.ofAddress(id), threads, 0);
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
            int i = (int) THREAD_NUM.invokeExact(), k = (int) NUM_THREADS.invokeExact();
            long from = task.n * i / k, to = task.n * (i + 1) / k;
            if (from < to) task.body.run(from, to);
        } catch (Throwable e) {
            task.failure.compareAndSet(null, e);
        }
    }
}
