package dev.lipreg.bindings;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;
import static org.junit.jupiter.api.Assertions.*;

/** oneDNN loaded into the surefire JVM from the shared user cache. */
class DnnlTest {

    @BeforeAll
    static void load() {
        Dnnl.ensureLoaded();
    }

    @Test
    void versionIs313() {
        DnnlVersion v = Dnnl.version();
        assertEquals(3, v.major());
        assertEquals(13, v.minor());
        assertTrue(Dnnl.availability().available(), Dnnl.availability().detail());
        assertTrue(Dnnl.libraryPath().isAbsolute());
    }

    @Test
    void isaAndThreads() {
        String isa = Dnnl.effectiveCpuIsa();
        assertFalse(isa.startsWith("dnnl_cpu_isa_t("), "a known ISA name: " + isa);
        assertEquals(2, Dnnl.maxThreads(), "surefire sets OMP_NUM_THREADS=2");
    }

    @Test
    void setThreadsAppliesToTheCallingThread() {
        int before = Dnnl.maxThreads();
        try {
            Dnnl.setThreads(1);
            assertEquals(1, Dnnl.maxThreads());
        } finally {
            Dnnl.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> Dnnl.setThreads(0));
    }

    /** Row-major C = alpha * op(A) * op(B) + beta * C against a triple loop, on a non-square problem. */
    @ParameterizedTest
    @CsvSource({"N,N", "T,N", "N,T", "T,T"})
    void sgemmMatchesJava(char transA, char transB) {
        final int m = 37, n = 19, k = 53;
        final float alpha = 1.5f, beta = 0.5f;
        Random r = new Random(transA * 31 + transB);
        // op(A) is m x k: A is stored m x k ('N') or k x m ('T'); likewise op(B) is k x n
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < c.length; i++) c[i] = r.nextFloat() - 0.5f;
        int lda = transA == 'N' ? k : m, ldb = transB == 'N' ? n : k;

        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA == 'N' ? a[i * lda + p] : a[p * lda + i];
                    float bv = transB == 'N' ? b[p * ldb + j] : b[j * ldb + p];
                    sum += (double) av * bv;
                }
                expected[i * n + j] = alpha * sum + beta * c[i * n + j];
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocateFrom(C_FLOAT, a), sb = arena.allocateFrom(C_FLOAT, b),
                    sc = arena.allocateFrom(C_FLOAT, c);
            Dnnl.check(dnnl_sgemm((byte) transA, (byte) transB, m, n, k, alpha, sa, lda, sb, ldb, beta, sc, n), "dnnl_sgemm");
            float[] got = sc.toArray(C_FLOAT);
            for (int i = 0; i < got.length; i++) {
                double err = Math.abs(got[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
                assertTrue(err < 1e-4, "C[" + i / n + "][" + i % n + "] = " + got[i] + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void aFailingCallNamesFunctionAndStatus() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            MemorySegment dims = arena.allocate(C_LONG_LONG, 12);
            int status = dnnl_memory_desc_create_with_tag(out, 13, dims, dnnl_f32(), dnnl_a()); // ndims > DNNL_MAX_NDIMS
            NativeException e = assertThrows(NativeException.class,
                    () -> Dnnl.check(status, "dnnl_memory_desc_create_with_tag"));
            assertEquals("oneDNN", e.library());
            assertEquals("dnnl_memory_desc_create_with_tag", e.function());
            assertEquals(dnnl_invalid_arguments(), e.status());
            assertEquals("dnnl_invalid_arguments", e.statusName());
            assertEquals("oneDNN call dnnl_memory_desc_create_with_tag failed: dnnl_invalid_arguments (status 2)",
                    e.getMessage());
        }
    }

    @Test
    void nativeInfoDescribesBothBackends() {
        NativeInfo info = NativeInfo.collect();
        assertTrue(info.nativeAccess());
        assertEquals(Dnnl.version(), info.dnnlVersion());
        String text = info.describe();
        assertTrue(text.contains("oneDNN:        oneDNN 3.13."), text);
        assertTrue(text.contains("CPU ISA:"), text);
        assertTrue(text.contains("CUDA:"), text);
        assertEquals(text, info.toString());
    }
}
