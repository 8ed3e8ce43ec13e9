package dev.lipreg.tensor.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link GpuRuntime} on the CPU: "device" memory is native host memory, and the kernels of
 * {@link KernelSource} are compiled by g++ with a prelude that turns CUDA's built-ins into plain
 * C++ and a generated wrapper per kernel that runs every (block, thread) of the launch in turn.
 * The kernels never share memory between threads and never synchronize, so this sequential
 * schedule gives what the GPU computes (up to the order of atomic additions). Each wrapper
 * calls its kernel through a function pointer typed from {@link Kernels}' declaration, so a
 * declaration that disagrees with the source fails the build.
 */
final class EmulatedRuntime implements GpuRuntime {
    static final String PRELUDE = """
            #include <math.h>
            #include <string.h>
            struct lr_dim3 { unsigned x, y, z; };
            static lr_dim3 threadIdx, blockIdx, blockDim, gridDim;
            #define __global__
            #define __device__
            #define __forceinline__ inline
            static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
            static inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
            static inline int atomicMin(int* p, int v) { int o = *p; if (v < o) *p = v; return o; }
            """;

    private static Path library;
    private static String buildFailure;

    private final Arena arena = Arena.ofShared();
    private final Map<Kernels.Kernel, MethodHandle> kernels = new HashMap<>();
    private final Map<Long, Arena> blocks = new HashMap<>();
    long mallocs, frees;

    private EmulatedRuntime(Path lib) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(lib, arena);
        for (Kernels.Kernel k : Kernels.ALL) {
            kernels.put(k, Linker.nativeLinker().downcallHandle(lookup.find("emu_" + k.name()).orElseThrow(),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)));
        }
    }

    /** Writes the emulation unit to {@code args[0]} (for gpu/fake-cuda/build.sh). */
    public static void main(String[] args) throws IOException {
        Files.writeString(Path.of(args[0]), translationUnit());
    }

    /** Why the emulation cannot be built here (no g++), or null when it can. */
    static synchronized String unavailableReason() {
        if (library == null && buildFailure == null) build();
        return buildFailure;
    }

    static synchronized EmulatedRuntime create() {
        String reason = unavailableReason();
        if (reason != null) throw new IllegalStateException(reason);
        return new EmulatedRuntime(library);
    }

    /** The C++ translation unit: prelude, kernel source, wrappers. */
    static String translationUnit() {
        StringBuilder sb = new StringBuilder(PRELUDE).append(KernelSource.SOURCE).append('\n');
        for (Kernels.Kernel k : Kernels.ALL) {
            sb.append("extern \"C\" void emu_").append(k.name()).append("(unsigned grid, unsigned block, void** p) {\n");
            sb.append("    void (*fn)(").append(String.join(", ", k.params())).append(") = ").append(k.name()).append(";\n");
            StringBuilder call = new StringBuilder();
            for (int i = 0; i < k.params().size(); i++) {
                String t = k.params().get(i);
                sb.append("    ").append(t).append(" a").append(i).append(" = *(").append(t).append("*) p[").append(i).append("];\n");
                call.append(i == 0 ? "" : ", ").append('a').append(i);
            }
            sb.append("    blockDim.x = block; blockDim.y = blockDim.z = 1; gridDim.x = grid; gridDim.y = gridDim.z = 1;\n");
            sb.append("    for (unsigned b = 0; b < grid; b++) for (unsigned t = 0; t < block; t++) {\n");
            sb.append("        blockIdx.x = b; threadIdx.x = t; fn(").append(call).append(");\n    }\n}\n");
        }
        return sb.toString();
    }

    private static void build() {
        try {
            Path dir = Files.createTempDirectory("lipreg-emulated-kernels");
            Path src = dir.resolve("kernels.cpp"), lib = dir.resolve("libkernels.so");
            Files.writeString(src, translationUnit());
            Process p = new ProcessBuilder("g++", "-O2", "-shared", "-fPIC", "-w", "-o", lib.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("g++ failed to build the emulated kernels (" + src + "):\n" + out);
            }
            library = lib;
        } catch (IOException e) {
            buildFailure = "no C++ compiler to emulate the kernels (g++): " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            buildFailure = "interrupted while building the emulated kernels";
        }
    }

    @Override
    public synchronized long malloc(long bytes) {
        Arena a = Arena.ofShared();
        long address = a.allocate(bytes, 256).address();
        blocks.put(address, a);
        mallocs++;
        return address;
    }

    @Override
    public synchronized void free(long address) {
        Arena a = blocks.remove(address);
        if (a == null) throw new IllegalStateException("free of unknown address " + address);
        a.close();
        frees++;
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    @Override
    public void toDevice(long dst, MemorySegment src, long bytes) {
        at(dst, bytes).copyFrom(src.asSlice(0, bytes));
    }

    @Override
    public void toHost(MemorySegment dst, long src, long bytes) {
        dst.asSlice(0, bytes).copyFrom(at(src, bytes));
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        at(dst, bytes).copyFrom(at(src, bytes));
    }

    @Override
    public void launch(Kernels.Kernel kernel, int grid, int block, MemorySegment params) {
        try {
            kernels.get(kernel).invokeExact(grid, block, params);
        } catch (Throwable t) {
            throw new IllegalStateException("emulated launch of " + kernel.name() + " failed", t);
        }
    }

    @Override
    public void synchronize() {
    }

    @Override
    public MemorySegment stream() {
        return MemorySegment.NULL;
    }

    synchronized int liveBlocks() {
        return blocks.size();
    }

    @Override
    public synchronized void close() {
        blocks.values().forEach(Arena::close);
        blocks.clear();
        arena.close();
    }
}
