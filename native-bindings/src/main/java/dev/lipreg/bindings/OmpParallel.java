package dev.lipreg.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * libgomp's parallel regions, for Java loops that run on oneDNN's own OpenMP team. Binding native
 * functions and making an upcall stub are restricted JVM operations, so they happen here, in the
 * module users grant native access to, and not in the module whose loops use them.
 */
public final class OmpParallel {

    private final MethodHandle parallel;
    private final MethodHandle threadNum;
    private final MethodHandle numThreads;
    private final MemorySegment body;

    private OmpParallel(MethodHandle parallel, MethodHandle threadNum, MethodHandle numThreads, MemorySegment body) {
        this.parallel = parallel;
        this.threadNum = threadNum;
        this.numThreads = numThreads;
        this.body = body;
    }

    /**
     * Binds {@code GOMP_parallel}, {@code omp_get_thread_num} and {@code omp_get_num_threads} of the
     * OpenMP runtime oneDNN loaded, with {@code body} as every team thread's function.
     *
     * @param body a handle of type {@code (MemorySegment)void} that must not throw; it lives as long as the JVM
     * @return the binding, or empty when the loaded oneDNN has no libgomp
     */
    public static Optional<OmpParallel> bind(MethodHandle body) {
        Dnnl.ensureLoaded();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        Optional<MemorySegment> p = lookup.find("GOMP_parallel"), t = lookup.find("omp_get_thread_num"),
                k = lookup.find("omp_get_num_threads");
        if (p.isEmpty() || t.isEmpty() || k.isEmpty()) return Optional.empty();
        Linker linker = Linker.nativeLinker();
        return Optional.of(new OmpParallel(
                linker.downcallHandle(p.get(), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT)),
                linker.downcallHandle(t.get(), FunctionDescriptor.of(JAVA_INT)),
                linker.downcallHandle(k.get(), FunctionDescriptor.of(JAVA_INT)),
                linker.upcallStub(body, FunctionDescriptor.ofVoid(ADDRESS), Arena.global())));
    }

    /**
     * Runs the body on {@code threads} team threads (the caller is one of them) and waits for all.
     *
     * @param data the argument every thread's body receives
     * @param threads the team size
     * @throws Throwable what the native call throws
     */
    public void run(MemorySegment data, int threads) throws Throwable {
        parallel.invokeExact(body, data, threads, 0);
    }

    /**
     * The calling team thread's number, from 0.
     *
     * @return {@code omp_get_thread_num()}
     * @throws Throwable what the native call throws
     */
    public int threadNum() throws Throwable {
        return (int) threadNum.invokeExact();
    }

    /**
     * The size of the calling thread's team.
     *
     * @return {@code omp_get_num_threads()}
     * @throws Throwable what the native call throws
     */
    public int numThreads() throws Throwable {
        return (int) numThreads.invokeExact();
    }
}
