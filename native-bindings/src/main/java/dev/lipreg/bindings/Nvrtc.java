package dev.lipreg.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC: compiles CUDA C++ source to PTX at run time. Hand-written downcalls (NVRTC is not among
 * the jextract bindings, and its API is six stable functions). {@link Cuda#probe()} finds and
 * loads libnvrtc; call {@link Cuda#ensureAvailable()} before anything here.
 */
public final class Nvrtc {

    /** The library's name in messages. */
    public static final String LIBRARY = "NVRTC";
    /** nvrtcResult enumerators by value (nvrtc.h, CUDA 12/13). */
    private static final List<String> NAMES = List.of("NVRTC_SUCCESS", "NVRTC_ERROR_OUT_OF_MEMORY",
            "NVRTC_ERROR_PROGRAM_CREATION_FAILURE", "NVRTC_ERROR_INVALID_INPUT", "NVRTC_ERROR_INVALID_PROGRAM",
            "NVRTC_ERROR_INVALID_OPTION", "NVRTC_ERROR_COMPILATION", "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
            "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION", "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
            "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID", "NVRTC_ERROR_INTERNAL_ERROR", "NVRTC_ERROR_TIME_FILE_WRITE_FAILED");

    private Nvrtc() {}

    /** Bound on first use, after the probe loaded libnvrtc into this class loader. */
    private static final class H {
        static final MethodHandle VERSION = bind("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle CREATE = bind("nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle COMPILE = bind("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        static final MethodHandle LOG_SIZE = bind("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle LOG = bind("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle PTX_SIZE = bind("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle PTX = bind("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle DESTROY = bind("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));

        private static MethodHandle bind(String name, FunctionDescriptor fd) {
            MemorySegment symbol = SymbolLookup.loaderLookup().find(name).orElseThrow(() -> new NativeUnavailableException(
                    "NVRTC is not loaded (" + name + " not found): call Cuda.ensureAvailable() first"));
            return Linker.nativeLinker().downcallHandle(symbol, fd);
        }
    }

    /**
     * nvrtcVersion as {major, minor}.
     *
     * @return the major and minor version
     */
    public static int[] version() {
        Cuda.ensureAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT), minor = arena.allocate(JAVA_INT);
            check(call(() -> (int) H.VERSION.invokeExact(major, minor)), "nvrtcVersion", null);
            return new int[] {major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        }
    }

    /**
     * Compiles one translation unit to PTX.
     *
     * @param source  CUDA C++ without #include (NVRTC has no system headers)
     * @param name    the program's name, shown in diagnostics
     * @param options NVRTC options, e.g. {@code --gpu-architecture=compute_75}
     * @return the PTX text
     * @throws NativeException naming nvrtcCompileProgram with the compiler log when compilation fails
     */
    public static String compile(String source, String name, List<String> options) {
        Cuda.ensureAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            MemorySegment src = arena.allocateFrom(source), nm = arena.allocateFrom(name);
            check(call(() -> (int) H.CREATE.invokeExact(handle, src, nm, 0, MemorySegment.NULL, MemorySegment.NULL)),
                    "nvrtcCreateProgram", null);
            MemorySegment program = handle.get(ADDRESS, 0);
            try {
                MemorySegment opts = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int n = options.size();
                int status = call(() -> (int) H.COMPILE.invokeExact(program, n, opts));
                check(status, "nvrtcCompileProgram", status == 0 ? null : log(program, arena));
                MemorySegment size = arena.allocate(JAVA_LONG);
                check(call(() -> (int) H.PTX_SIZE.invokeExact(program, size)), "nvrtcGetPTXSize", null);
                MemorySegment ptx = arena.allocate(JAVA_BYTE, size.get(JAVA_LONG, 0) + 1);
                check(call(() -> (int) H.PTX.invokeExact(program, ptx)), "nvrtcGetPTX", null);
                return ptx.getString(0);
            } finally {
                call(() -> (int) H.DESTROY.invokeExact(handle)); // takes nvrtcProgram*
            }
        }
    }

    private static String log(MemorySegment program, Arena arena) {
        MemorySegment size = arena.allocate(JAVA_LONG);
        if (call(() -> (int) H.LOG_SIZE.invokeExact(program, size)) != 0) {
            return null;
        }
        MemorySegment text = arena.allocate(JAVA_BYTE, size.get(JAVA_LONG, 0) + 1);
        return call(() -> (int) H.LOG.invokeExact(program, text)) == 0 ? text.getString(0).strip() : null;
    }

    /**
     * Throws {@link NativeException} unless {@code status} is NVRTC_SUCCESS.
     *
     * @param status   the nvrtcResult returned
     * @param function the NVRTC function, for the message
     * @param log      the compiler's log, or null
     */
    public static void check(int status, String function, String log) {
        if (status != 0) {
            throw new NativeException(LIBRARY, function, status, statusName(status), log);
        }
    }

    /**
     * The nvrtcResult enumerator's name, e.g. {@code NVRTC_ERROR_COMPILATION}.
     *
     * @param status the nvrtcResult
     * @return its name
     */
    public static String statusName(int status) {
        return status >= 0 && status < NAMES.size() ? NAMES.get(status) : "nvrtcResult(" + status + ")";
    }

    @FunctionalInterface
    interface NativeCall {
        int run() throws Throwable;
    }

    /** Runs a downcall; the method handles only throw what the native side cannot (linkage errors). */
    static int call(NativeCall c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }
}
