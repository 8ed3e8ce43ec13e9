package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cublas;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.lipreg.bindings.cublas.gen.cublas_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Row-major SGEMM through cuBLAS (column-major): a row-major C = op(A)·op(B) is the
 * column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so the operands swap and no data moves. One handle per
 * backend, on the backend's stream. Default math mode: no TF32 unless NVIDIA_TF32_OVERRIDE says so.
 */
final class Gemm implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f), zero = arena.allocateFrom(JAVA_FLOAT, 0f);

    Gemm(MemorySegment stream) {
        MemorySegment out = arena.allocate(ADDRESS);
        Cublas.check(cublasCreate_v2(out), "cublasCreate_v2");
        handle = out.get(ADDRESS, 0);
        Cublas.check(cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
        Cublas.check(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH()), "cublasSetMathMode");
    }

    /**
     * C[m,n] = op(A)·op(B), or += when {@code accumulate}. {@code lda}/{@code ldb} are the
     * row lengths of A and B as stored (row-major); m, n, k > 0.
     */
    void run(int m, int n, int k, boolean transA, boolean transB, long a, int lda, long b, int ldb, long c, boolean accumulate) {
        Cublas.check(cublasSgemm_v2(handle, transB ? CUBLAS_OP_T() : CUBLAS_OP_N(), transA ? CUBLAS_OP_T() : CUBLAS_OP_N(),
                n, m, k, one, MemorySegment.ofAddress(b), ldb, MemorySegment.ofAddress(a), lda,
                accumulate ? one : zero, MemorySegment.ofAddress(c), n), "cublasSgemm_v2");
    }

    @Override
    public void close() {
        try {
            Cublas.check(cublasDestroy_v2(handle), "cublasDestroy_v2");
        } finally {
            arena.close();
        }
    }
}
