package dev.lipreg.tensor.cuda;

import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared set-up of the cuda tests (the same tolerances as the oneDNN parity tests): a scope per
 * test, seeded inputs on the reference backend and the backend under test ({@link #gpu()}: the
 * real GPU or the CPU emulation of the kernels), and comparisons with the reference's values.
 */
abstract class CudaTestSupport {
    private static final Logger LOG = LoggerFactory.getLogger(CudaTestSupport.class);

    /** Element-wise tolerances: |got - ref| <= ABS + REL·|ref|. */
    static final double REL = 1e-5, ABS = 1e-5;
    /** Accumulating ops (conv, matmul): |got - ref| <= SCALED · max|ref| (+ a tiny absolute floor). */
    static final double SCALED = 1e-4;
    static final Backend REF = Backends.reference();

    private Scope scope;

    /** The backend under test. */
    abstract CudaBackend gpu();

    /** Skips (logging the probe's reason) unless this machine has a usable GPU. */
    static CudaBackend requireGpu() {
        CudaInfo info = Cuda.probe();
        if (!info.available()) LOG.warn("skipping gpu tests: {}", info.reason());
        Assumptions.assumeTrue(info.available(), () -> "no usable GPU: " + info.reason());
        return CudaBackend.instance();
    }

    /** Skips unless the kernels can be emulated here (g++). */
    static CudaBackend emulated() {
        String reason = EmulatedRuntime.unavailableReason();
        if (reason != null) LOG.warn("skipping emulated kernel tests: {}", reason);
        Assumptions.assumeTrue(reason == null, () -> reason);
        return new CudaBackend(EmulatedRuntime.create(), false, false);
    }

    @BeforeEach
    void openScope() {
        scope = Scope.open();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    /** The same values as a FLOAT32 tensor on each backend. */
    record Pair(Tensor ref, Tensor gpu) {
        Shape shape() {
            return ref.shape();
        }
    }

    Pair pair(float[] values, int... dims) {
        return new Pair(Tensor.of(REF, values, dims), Tensor.of(gpu(), values, dims));
    }

    Pair random(long seed, int... dims) {
        return pair(uniform(seed, size(dims), -2, 2), dims);
    }

    static float[] uniform(long seed, int n, double lo, double hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    /** Values from a few levels only, so ties (equal values) are common. */
    static float[] levels(long seed, int n, int levels) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(levels) - levels / 2;
        return v;
    }

    static int size(int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** Same shape and dtype, values within abs + rel·|ref|; NaNs must agree. */
    static void assertClose(Tensor ref, Tensor got, double rel, double abs, String what) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        assertEquals(ref.dtype(), got.dtype(), what + ": dtype");
        assertEquals("cuda", got.backend().name(), what + ": backend");
        double[] e = ref.toDoubleArray(), g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= abs + rel * Math.abs(e[i]);
            if (!ok) {
                fail(what + ": element " + i + " of " + ref.shape() + ": expected " + e[i] + " (reference), got " + g[i]
                        + " (cuda), diff " + Math.abs(e[i] - g[i]));
            }
        }
    }

    static void assertClose(Tensor ref, Tensor got, String what) {
        assertClose(ref, got, REL, ABS, what);
    }

    /** For sums of many products: error relative to the output's scale. */
    static void assertScaled(Tensor ref, Tensor got, String what) {
        double scale = Arrays.stream(ref.toDoubleArray()).map(Math::abs).max().orElse(0);
        assertClose(ref, got, 0, SCALED * scale + 1e-6, what);
    }

    /** Bit-for-bit equal values (indices, data movement). */
    static void assertIdentical(Tensor ref, Tensor got, String what) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        assertEquals(ref.dtype(), got.dtype(), what + ": dtype");
        if (ref.dtype().isFloating()) {
            assertArrayEquals(ref.toDoubleArray(), got.toDoubleArray(), 0, what);
        } else {
            assertArrayEquals(ref.toLongArray(), got.toLongArray(), what);
        }
    }

    static Tensor ints(Backend b, DType dtype, long[] values, int... dims) {
        Tensor t = b.fromArray(values, Shape.of(dims));
        return dtype == DType.INT64 ? t : b.cast(t, dtype);
    }
}
