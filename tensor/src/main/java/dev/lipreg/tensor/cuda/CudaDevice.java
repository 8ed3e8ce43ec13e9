package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaKernels;
import dev.lipreg.bindings.CudaRuntime;
import dev.lipreg.bindings.Nvrtc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.lipreg.bindings.cudart.gen.cudart_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The current GPU through the CUDA runtime (memory, copies, one stream) and the driver API
 * (the NVRTC-compiled module of {@link KernelSource}, launches), both in the runtime's primary
 * context. Everything is enqueued on one stream, in order: that is what lets the allocator
 * reuse a block as soon as its owner is done with it.
 */
final class CudaDevice implements GpuRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    /** PTX for the oldest architecture CUDA 13 supports; the driver JIT-compiles it for the GPU at hand. */
    static final String DEFAULT_ARCH = "compute_75";
    static final String ARCH_ENV = "LIPREG_NVRTC_ARCH";

    private final Arena arena = Arena.ofShared();
    private final int ordinal;
    private final MemorySegment context, stream, module;
    private final Map<Kernels.Kernel, MemorySegment> functions = new HashMap<>();
    private final MemorySegment out = arena.allocate(ADDRESS);
    private Thread bound;
    private boolean closed;

    private CudaDevice(int ordinal, MemorySegment context, MemorySegment stream, MemorySegment module) {
        this.ordinal = ordinal;
        this.context = context;
        this.stream = stream;
        this.module = module;
        this.bound = Thread.currentThread();
    }

    /** Opens the current device: primary context, a new stream, and the compiled kernels. */
    static CudaDevice open() {
        Cuda.ensureAvailable();
        int ordinal;
        MemorySegment stream;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(JAVA_INT);
            CudaRuntime.check(cudaGetDevice(i), "cudaGetDevice");
            ordinal = i.get(JAVA_INT, 0);
            CudaRuntime.check(cudaSetDevice(ordinal), "cudaSetDevice");
            CudaRuntime.check(cudaFree(MemorySegment.NULL), "cudaFree"); // creates the primary context now
            MemorySegment s = a.allocate(ADDRESS);
            CudaRuntime.check(cudaStreamCreate(s), "cudaStreamCreate");
            stream = s.get(ADDRESS, 0);
        }
        MemorySegment ctx = CudaKernels.retainPrimaryContext(ordinal);
        String arch = System.getenv().getOrDefault(ARCH_ENV, DEFAULT_ARCH);
        long t0 = System.nanoTime();
        String ptx = Nvrtc.compile(KernelSource.SOURCE, "lipreg_kernels.cu", List.of("--gpu-architecture=" + arch));
        MemorySegment module = CudaKernels.loadModule(ptx);
        CudaDevice d = new CudaDevice(ordinal, ctx, stream, module);
        for (Kernels.Kernel k : Kernels.ALL) {
            d.functions.put(k, CudaKernels.function(module, k.name()));
        }
        LOG.info("CUDA device {} (compute capability {}): {} kernels compiled for {} in {} ms", ordinal,
                CudaKernels.computeCapability(ordinal), Kernels.ALL.size(), arch, (System.nanoTime() - t0) / 1_000_000);
        return d;
    }

    @Override
    public long malloc(long bytes) {
        int status = cudaMalloc(out, bytes);
        if (status == cudaErrorMemoryAllocation()) {
            cudaGetLastError(); // clears the (non-sticky) error
            throw new OutOfDeviceMemory("cudaMalloc of " + bytes + " bytes failed: the GPU is out of memory");
        }
        CudaRuntime.check(status, "cudaMalloc");
        return out.get(ADDRESS, 0).address();
    }

    @Override
    public void free(long address) {
        CudaRuntime.check(cudaFree(MemorySegment.ofAddress(address)), "cudaFree");
    }

    @Override
    public void toDevice(long dst, MemorySegment src, long bytes) {
        // pageable source: the copy is staged, and the sync makes src reusable on return whatever the driver does
        CudaRuntime.check(cudaMemcpyAsync(MemorySegment.ofAddress(dst), src, bytes, cudaMemcpyHostToDevice(), stream), "cudaMemcpyAsync");
        synchronize();
    }

    @Override
    public void toHost(MemorySegment dst, long src, long bytes) {
        CudaRuntime.check(cudaMemcpyAsync(dst, MemorySegment.ofAddress(src), bytes, cudaMemcpyDeviceToHost(), stream), "cudaMemcpyAsync");
        synchronize();
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        CudaRuntime.check(cudaMemcpyAsync(MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes,
                cudaMemcpyDeviceToDevice(), stream), "cudaMemcpyAsync");
    }

    @Override
    public void launch(Kernels.Kernel kernel, int grid, int block, MemorySegment params) {
        Thread t = Thread.currentThread();
        if (t != bound) { // driver calls need the context current on this thread; the runtime binds it lazily
            CudaKernels.setCurrent(context);
            bound = t;
        }
        CudaKernels.launch(functions.get(kernel), grid, block, 0, stream, params);
    }

    @Override
    public void synchronize() {
        CudaRuntime.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    @Override
    public MemorySegment stream() {
        return stream;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            synchronize();
            CudaKernels.setCurrent(context);
            CudaKernels.unloadModule(module);
            CudaRuntime.check(cudaStreamDestroy(stream), "cudaStreamDestroy");
            CudaKernels.releasePrimaryContext(ordinal);
        } finally {
            arena.close();
        }
    }
}
