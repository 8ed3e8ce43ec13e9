package dev.lipreg.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * GPU names from the driver API (libcuda.so.1, part of the NVIDIA driver): the runtime's
 * cudaGetDeviceProperties is not in the generated bindings, and its struct changes between CUDA
 * releases, while {@code cuDeviceGetName} is stable.
 */
final class CudaDriver {

    private CudaDriver() {}

    /** Names of devices 0..count-1; best effort, so any failure gives the names read so far. */
    static List<String> deviceNames(int count) {
        List<String> names = new ArrayList<>();
        try {
            // the runtime already dlopen()ed libcuda.so.1, so this finds the same copy
            SymbolLookup cuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            Linker linker = Linker.nativeLinker();
            MethodHandle cuInit = linker.downcallHandle(cuda.find("cuInit").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            MethodHandle cuDeviceGet = linker.downcallHandle(cuda.find("cuDeviceGet").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            MethodHandle cuDeviceGetName = linker.downcallHandle(cuda.find("cuDeviceGetName").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            if ((int) cuInit.invokeExact(0) != 0) {
                return names;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dev = arena.allocate(JAVA_INT);
                MemorySegment name = arena.allocate(256);
                for (int i = 0; i < count; i++) {
                    if ((int) cuDeviceGet.invokeExact(dev, i) != 0
                            || (int) cuDeviceGetName.invokeExact(name, 256, dev.get(JAVA_INT, 0)) != 0) {
                        break;
                    }
                    names.add(name.getString(0));
                }
            }
        } catch (Throwable t) {
            // names are cosmetic: a missing driver API must not turn a working GPU into "unavailable"
        }
        return names;
    }
}
