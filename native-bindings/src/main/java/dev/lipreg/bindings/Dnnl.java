package dev.lipreg.bindings;

import dev.lipreg.bindings.dnnl.gen.dnnl_h;
import dev.lipreg.bindings.dnnl.gen.dnnl_version_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * oneDNN entry point: loads the library once per JVM and checks its status codes.
 *
 * <p>Call {@link #ensureLoaded()} before touching any function of the generated
 * {@code dnnl_h}: a generated function used before its library is loaded fails for the rest of
 * the JVM's life. A failed load is remembered, and every later call rethrows the same message.
 *
 * <p>Threads: oneDNN uses OpenMP (libgomp), which reads {@code OMP_NUM_THREADS} once when loaded.
 * If it is unset, LipReg sets it to {@link Runtime#availableProcessors()} just before loading, so
 * the thread count is fixed at startup for the whole process. {@link #setThreads(int)} changes
 * it afterwards for the calling thread only.
 */
public final class Dnnl {

    private static final boolean NATIVE_ACCESS = NativeAccess.ENABLED; // first: see NativeAccess
    private static final Logger LOG = LoggerFactory.getLogger(Dnnl.class);
    /** The library's name in messages. */
    public static final String LIBRARY = "oneDNN";
    /** The oneDNN major.minor the committed bindings were generated from. */
    static final int MAJOR = 3;
    static final int MINOR = 13;

    /** Status codes read from the generated header on first use: under --illegal-native-access=deny its class must never initialize. */
    private static final class Statuses {
        static final int SUCCESS = dnnl_success();
        // dnnl_status_t's enumerators share no prefix with the header's other constants: name them
        static final Map<Integer, String> NAMES = StatusNames.fromConstants(dnnl_h.class, Set.of("dnnl_success",
                "dnnl_out_of_memory", "dnnl_invalid_arguments", "dnnl_unimplemented", "dnnl_last_impl_reached",
                "dnnl_runtime_error", "dnnl_not_required", "dnnl_invalid_graph", "dnnl_invalid_graph_op",
                "dnnl_invalid_shape", "dnnl_invalid_data_type")::contains);
    }

    private Dnnl() {}

    /**
     * Throws {@link NativeException} unless {@code status} is {@code dnnl_success}. Needs no loaded library.
     *
     * @param status   the dnnl_status_t returned
     * @param function the oneDNN function, for the message
     */
    public static void check(int status, String function) {
        if (status != Statuses.SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), null);
        }
    }

    /**
     * The dnnl_status_t enumerator's name, e.g. {@code dnnl_invalid_arguments}.
     *
     * @param status the dnnl_status_t
     * @return its name
     */
    public static String statusName(int status) {
        return StatusNames.name(Statuses.NAMES, status, "dnnl_status_t");
    }

    /** The once-per-JVM outcome of loading; class initialization makes it lazy, thread-safe and final. */
    private static final class Loaded {
        static final State STATE = State.load();
    }

    private record State(NativeLibraries.DnnlFiles files, Optional<OpenMp> openMp, DnnlVersion version,
                         NativeUnavailableException failure) {

        static State load() {
            try {
                NativeLibraries.DnnlFiles files = NativeLibraries.loadDnnl(System.getenv(), System.getProperties());
                DnnlVersion v = readVersion();
                if (v.major() != MAJOR) {
                    throw new NativeUnavailableException("oneDNN is unavailable: " + files.dnnl() + " is oneDNN " + v
                            + " but LipReg's bindings need " + MAJOR + ".x (built for " + MAJOR + "." + MINOR + ").");
                }
                if (v.minor() != MINOR) {
                    LOG.warn("{} is oneDNN {}; LipReg's bindings were generated for {}.{}", files.dnnl(), v, MAJOR, MINOR);
                }
                State s = new State(files, OpenMp.bind(), v, null);
                LOG.info("oneDNN {} ready: {}, {} threads, from {}", v.number(), CpuIsa.name(dnnl_get_effective_cpu_isa()),
                        s.openMp().map(OpenMp::maxThreads).orElse(-1), files.dnnl());
                return s;
            } catch (NativeUnavailableException e) {
                LOG.info("{}", e.getMessage());
                return new State(null, Optional.empty(), null, e);
            } catch (RuntimeException | LinkageError e) {
                // anything else must not escape a static initializer (it would turn into NoClassDefFoundError)
                NativeUnavailableException wrapped = new NativeUnavailableException("oneDNN is unavailable: " + e, e);
                LOG.info("{}", wrapped.getMessage());
                return new State(null, Optional.empty(), null, wrapped);
            }
        }
    }

    /**
     * Loads libgomp and libdnnl (once per JVM; see {@link NativeLibraries} for where from).
     *
     * @throws NativeUnavailableException if oneDNN cannot be used; the message says how to fix it
     */
    public static void ensureLoaded() {
        state();
    }

    private static State state() {
        State s = Loaded.STATE;
        if (s.failure() != null) {
            throw new NativeUnavailableException(s.failure().getMessage(), s.failure());
        }
        return s;
    }

    /**
     * Whether oneDNN can be used; loads it on first call. Never throws.
     *
     * @return the availability, with the reason when unavailable
     */
    public static Availability availability() {
        State s = Loaded.STATE;
        return s.failure() != null
                ? new Availability(false, s.failure().getMessage())
                : new Availability(true, "oneDNN " + s.version() + " from " + s.files().dnnl());
    }

    /** {@return the absolute path of the loaded libdnnl} */
    public static Path libraryPath() {
        return state().files().dnnl();
    }

    /** {@return the loaded oneDNN's version} */
    public static DnnlVersion version() {
        return state().version();
    }

    private static DnnlVersion readVersion() {
        MemorySegment v = dnnl_version().reinterpret(dnnl_version_t.sizeof());
        MemorySegment hash = dnnl_version_t.hash(v);
        return new DnnlVersion(dnnl_version_t.major(v), dnnl_version_t.minor(v), dnnl_version_t.patch(v),
                hash.equals(MemorySegment.NULL) ? "" : hash.reinterpret(Long.MAX_VALUE).getString(0).replace("N/A", ""));
    }

    /**
     * The instruction set oneDNN's kernels use on this CPU, e.g. "avx2" or "avx512_core".
     *
     * @return the ISA's name
     */
    public static String effectiveCpuIsa() {
        state();
        return CpuIsa.name(dnnl_h.dnnl_get_effective_cpu_isa());
    }

    /**
     * OpenMP's thread count for parallel regions started by the calling thread
     * ({@code omp_get_max_threads}); {@link Runtime#availableProcessors()} if the loaded oneDNN
     * has no OpenMP runtime.
     *
     * @return the thread count
     */
    public static int maxThreads() {
        return state().openMp().map(OpenMp::maxThreads).orElse(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Sets the OpenMP thread count ({@code omp_set_num_threads}). OpenMP keeps this per calling
     * thread: other threads keep the startup value ({@code OMP_NUM_THREADS}, see the class comment),
     * so set the count once, at startup, on the thread that runs the model.
     *
     * @param threads the thread count, at least 1
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        state().openMp().ifPresentOrElse(omp -> omp.setThreads(threads),
                () -> LOG.warn("the loaded oneDNN has no OpenMP runtime; setThreads({}) ignored", threads));
    }
}
