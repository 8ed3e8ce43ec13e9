package dev.lipreg.tensor.cuda;

import java.lang.foreign.MemorySegment;

/**
 * What {@link CudaBackend} needs from a device: raw memory, copies, one ordered stream and
 * kernel launches. {@link CudaDevice} implements it with the CUDA runtime, driver and NVRTC;
 * the tests implement it on the CPU to check the kernels and the backend's Java side without
 * a GPU. Device addresses are plain longs.
 */
interface GpuRuntime extends AutoCloseable {

    /** {@code bytes} of device memory; throws {@link OutOfDeviceMemory} when the device has none left. */
    long malloc(long bytes);

    void free(long address);

    /** Copies host memory (native) to the device, ordered after earlier work; {@code src} may be reused on return. */
    void toDevice(long dst, MemorySegment src, long bytes);

    /** Copies device memory to native host memory after all earlier work finished (synchronizes). */
    void toHost(MemorySegment dst, long src, long bytes);

    /** Device-to-device copy, ordered on the stream. */
    void copy(long dst, long src, long bytes);

    /** Enqueues {@code kernel} on {@code grid} blocks of {@code block} threads; {@code params} is its void** array. */
    void launch(Kernels.Kernel kernel, int grid, int block, MemorySegment params);

    /** Waits for all enqueued work; reports errors of asynchronous work. */
    void synchronize();

    /** The stream (cudaStream_t) for cuBLAS and cuDNN; NULL where there is none. */
    MemorySegment stream();

    @Override
    void close();

    /** cudaMalloc found no memory (after the allocator already returned its cache). */
    final class OutOfDeviceMemory extends RuntimeException {
        OutOfDeviceMemory(String message) {
            super(message);
        }
    }
}
