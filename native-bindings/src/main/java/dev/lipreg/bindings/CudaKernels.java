package dev.lipreg.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The CUDA driver API calls that load and launch kernels compiled by {@link Nvrtc}: the runtime
 * bindings have no kernel launch for code that was not linked into a fat binary. Hand-written
 * downcalls into libcuda.so.1 (part of the NVIDIA driver, already loaded by libcudart). Modules
 * live in the runtime's primary context, so memory from cudaMalloc and streams from
 * cudaStreamCreate work with them unchanged.
 */
public final class CudaKernels {

    /** The library's name in messages. */
    public static final String LIBRARY = "CUDA driver";
    private static final int SUCCESS = 0;

    private CudaKernels() {}

    /** Bound on first use; libcuda.so.1 must be there (it is whenever {@link Cuda#probe()} found a GPU). */
    private static final class H {
        static final SymbolLookup CUDA = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        static final MethodHandle INIT = bind("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle DEVICE_GET = bind("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ATTRIBUTE = bind("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle RETAIN = bind("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle RELEASE = bind("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle SET_CURRENT = bind("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle LOAD = bind("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle UNLOAD = bind("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FUNCTION = bind("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle LAUNCH = bind("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle ERROR_NAME = bind("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle ERROR_STRING = bind("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

        private static MethodHandle bind(String name, FunctionDescriptor fd) {
            return Linker.nativeLinker().downcallHandle(CUDA.find(name).orElseThrow(() ->
                    new NativeUnavailableException("libcuda.so.1 has no " + name + ": the NVIDIA driver is too old")), fd);
        }
    }

    /** CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR. */
    private static final int CC_MAJOR = 75, CC_MINOR = 76;

    /**
     * Retains the primary context of device {@code ordinal} (the one the runtime API uses) and
     * makes it current on this thread. Release it with {@link #releasePrimaryContext}.
     *
     * @param ordinal the device's index
     * @return the context
     */
    public static MemorySegment retainPrimaryContext(int ordinal) {
        Cuda.ensureAvailable();
        try (Arena arena = Arena.ofConfined()) {
            check(invoke(() -> (int) H.INIT.invokeExact(0)), "cuInit");
            MemorySegment out = arena.allocate(ADDRESS);
            check(invoke(() -> (int) H.RETAIN.invokeExact(out, device(ordinal, arena))), "cuDevicePrimaryCtxRetain");
            MemorySegment ctx = out.get(ADDRESS, 0);
            setCurrent(ctx);
            return ctx;
        }
    }

    /**
     * Releases a context taken by {@link #retainPrimaryContext}.
     *
     * @param ordinal the device's index
     */
    public static void releasePrimaryContext(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            int dev = device(ordinal, arena);
            check(invoke(() -> (int) H.RELEASE.invokeExact(dev)), "cuDevicePrimaryCtxRelease");
        }
    }

    /**
     * Compute capability as major * 10 + minor (e.g. 90 for an H100).
     *
     * @param ordinal the device's index
     * @return the compute capability
     */
    public static int computeCapability(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            int dev = device(ordinal, arena);
            MemorySegment v = arena.allocate(JAVA_INT);
            check(invoke(() -> (int) H.ATTRIBUTE.invokeExact(v, CC_MAJOR, dev)), "cuDeviceGetAttribute");
            int major = v.get(JAVA_INT, 0);
            check(invoke(() -> (int) H.ATTRIBUTE.invokeExact(v, CC_MINOR, dev)), "cuDeviceGetAttribute");
            return major * 10 + v.get(JAVA_INT, 0);
        }
    }

    private static int device(int ordinal, Arena arena) {
        MemorySegment dev = arena.allocate(JAVA_INT);
        check(invoke(() -> (int) H.DEVICE_GET.invokeExact(dev, ordinal)), "cuDeviceGet");
        return dev.get(JAVA_INT, 0);
    }

    /**
     * Binds {@code ctx} to the calling thread (driver calls need a current context).
     *
     * @param ctx a context from {@link #retainPrimaryContext}
     */
    public static void setCurrent(MemorySegment ctx) {
        check(invoke(() -> (int) H.SET_CURRENT.invokeExact(ctx)), "cuCtxSetCurrent");
    }

    /**
     * Loads PTX (JIT-compiled by the driver for this GPU) into the current context.
     *
     * @param ptx the PTX source
     * @return the module handle
     */
    public static MemorySegment loadModule(String ptx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS), image = arena.allocateFrom(ptx);
            check(invoke(() -> (int) H.LOAD.invokeExact(out, image)), "cuModuleLoadData");
            return out.get(ADDRESS, 0);
        }
    }

    /**
     * Unloads a module from {@link #loadModule}; its functions become invalid.
     *
     * @param module the module handle
     */
    public static void unloadModule(MemorySegment module) {
        check(invoke(() -> (int) H.UNLOAD.invokeExact(module)), "cuModuleUnload");
    }

    /**
     * The {@code extern "C"} kernel {@code name} of a loaded module.
     *
     * @param module the module handle
     * @param name   the kernel's name
     * @return the function handle
     */
    public static MemorySegment function(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS), n = arena.allocateFrom(name);
            int status = invoke(() -> (int) H.FUNCTION.invokeExact(out, module, n));
            if (status != SUCCESS) {
                throw new NativeException(LIBRARY, "cuModuleGetFunction(" + name + ")", status, statusName(status), errorString(status));
            }
            return out.get(ADDRESS, 0);
        }
    }

    /**
     * Enqueues a 1-d launch of {@code function} on {@code stream}. {@code params} is the kernel's
     * {@code void**} argument array; the driver copies the values before returning, so the
     * caller may reuse that memory at once.
     *
     * @param function    the kernel, from {@link #function}
     * @param gridX       the number of blocks
     * @param blockX      the threads per block
     * @param sharedBytes the dynamic shared memory per block
     * @param stream      the stream, or NULL for the default stream
     * @param params      the kernel's argument array
     */
    public static void launch(MemorySegment function, int gridX, int blockX, int sharedBytes, MemorySegment stream,
                              MemorySegment params) {
        int status;
        try {
            status = (int) H.LAUNCH.invokeExact(function, gridX, 1, 1, blockX, 1, 1, sharedBytes, stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(status, "cuLaunchKernel");
    }

    /**
     * Throws {@link NativeException} unless {@code status} is CUDA_SUCCESS.
     *
     * @param status   the CUresult returned
     * @param function the driver function, for the message
     */
    public static void check(int status, String function) {
        if (status != SUCCESS) {
            throw new NativeException(LIBRARY, function, status, statusName(status), errorString(status));
        }
    }

    /**
     * cuGetErrorName, e.g. {@code CUDA_ERROR_INVALID_PTX}.
     *
     * @param status the CUresult
     * @return its name
     */
    public static String statusName(int status) {
        String s = text(H.ERROR_NAME, status);
        return s != null ? s : "CUresult(" + status + ")";
    }

    private static String errorString(int status) {
        return text(H.ERROR_STRING, status);
    }

    private static String text(MethodHandle h, int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int r = invoke(() -> (int) h.invokeExact(status, out));
            MemorySegment p = out.get(ADDRESS, 0);
            return r == SUCCESS && !p.equals(MemorySegment.NULL) ? p.reinterpret(Long.MAX_VALUE).getString(0) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int invoke(Nvrtc.NativeCall c) {
        return Nvrtc.call(c);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
