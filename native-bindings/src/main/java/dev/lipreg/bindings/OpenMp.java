package dev.lipreg.bindings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * The OpenMP thread controls oneDNN runs on. They live in libgomp, not in dnnl.h, so they are
 * bound here by hand through the loader lookup (which sees libgomp once it, or a libdnnl that
 * depends on it, was loaded by this class loader).
 */
final class OpenMp {

    private static final Logger LOG = LoggerFactory.getLogger(OpenMp.class);
    static final String ENV = "OMP_NUM_THREADS";
    static final String SPIN_ENV = "GOMP_SPINCOUNT";
    static final String DEFAULT_SPIN_COUNT = "10000";

    private final MethodHandle getMaxThreads;
    private final MethodHandle setNumThreads;

    private OpenMp(MethodHandle getMaxThreads, MethodHandle setNumThreads) {
        this.getMaxThreads = getMaxThreads;
        this.setNumThreads = setNumThreads;
    }

    /** Binds omp_get_max_threads/omp_set_num_threads; empty if the loaded oneDNN has no OpenMP runtime. */
    static Optional<OpenMp> bind() {
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> get = lookup.find("omp_get_max_threads");
        Optional<MemorySegment> set = lookup.find("omp_set_num_threads");
        if (get.isEmpty() || set.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new OpenMp(linker.downcallHandle(get.get(), FunctionDescriptor.of(JAVA_INT)),
                linker.downcallHandle(set.get(), FunctionDescriptor.ofVoid(JAVA_INT))));
    }

    int maxThreads() {
        try {
            return (int) getMaxThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("omp_get_max_threads failed", t);
        }
    }

    void setThreads(int n) {
        try {
            setNumThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("omp_set_num_threads failed", t);
        }
    }

    /**
     * Must run before libgomp is loaded, which reads its environment once. Two defaults, each
     * only when the user set nothing:
     * <ul>
     *   <li>threads: omp_set_num_threads only changes the calling thread's setting, so the
     *   process-wide default has to come from OMP_NUM_THREADS; use the JVM's processor count
     *   (which honours container CPU quotas, unlike libgomp's own default);</li>
     *   <li>waiting: libgomp's idle threads spin 300,000 times between parallel regions, which
     *   steals the core from whatever else runs there (the JVM, other processes) and made steps
     *   2–4x slower on a shared 2-core machine. GOMP_SPINCOUNT=10000 still covers the gaps
     *   between LipReg's primitives: measured on 2 cores, the exact-penalty step took 73 ms
     *   (default 75, OMP_WAIT_POLICY=PASSIVE 88) idle, and 170 ms (default 296, passive 126)
     *   beside a busy process.</li>
     * </ul>
     */
    static void presetDefaults() {
        presetIfUnset(ENV, Integer.toString(Runtime.getRuntime().availableProcessors()));
        if (System.getenv("OMP_WAIT_POLICY") == null) presetIfUnset(SPIN_ENV, DEFAULT_SPIN_COUNT);
    }

    private static void presetIfUnset(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
        if (setenv.isEmpty()) {
            return;
        }
        MethodHandle h = linker.downcallHandle(setenv.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            // overwrite=0: never replace a value set natively; setenv copies both strings
            int rc = (int) h.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            LOG.debug("{} unset: defaulting it to {} (setenv rc {})", name, value, rc);
        } catch (Throwable t) {
            LOG.debug("could not preset {}: {}", name, t.toString());
        }
    }
}
