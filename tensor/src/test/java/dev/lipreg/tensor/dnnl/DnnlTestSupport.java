package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Availability;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared set-up for the parity tests: skips (with the reason logged) when oneDNN
 * cannot be loaded, opens a scope per test, makes seeded inputs on both backends
 * and compares float32 results with the reference backend's.
 */
abstract class DnnlTestSupport {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlTestSupport.class);

    /** Element-wise tolerances: |dnnl - ref| <= ABS + REL·|ref|. */
    static final double REL = 1e-5, ABS = 1e-5;
    /** Accumulating ops (conv, matmul): |dnnl - ref| <= SCALED · max|ref| (+ a tiny absolute floor). */
    static final double SCALED = 1e-4;

    static DnnlBackend dnnl;
    static final Backend REF = Backends.reference();
    private Scope scope;

    @BeforeAll
    static void requireDnnl() {
        Availability a = DnnlBackend.availability();
        if (!a.available()) LOG.warn("skipping oneDNN parity tests: {}", a.detail());
        Assumptions.assumeTrue(a.available(), () -> "oneDNN unavailable: " + a.detail());
        dnnl = DnnlBackend.instance();
    }

    @BeforeEach
    void openScope() {
        scope = Scope.open();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    /** The same values as a FLOAT32 tensor on each backend: [reference, dnnl]. */
    record Pair(Tensor ref, Tensor dnnl) {
        static Pair of(float[] values, int... dims) {
            return new Pair(Tensor.of(REF, values, dims), Tensor.of(DnnlTestSupport.dnnl, values, dims));
        }

        Shape shape() {
            return ref.shape();
        }
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

    static Pair random(long seed, int... dims) {
        return Pair.of(uniform(seed, size(dims), -2, 2), dims);
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
        assertEquals("dnnl", got.backend().name(), what + ": backend");
        double[] e = ref.toDoubleArray(), g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= abs + rel * Math.abs(e[i]);
            if (!ok) {
                fail(what + ": element " + i + " of " + ref.shape() + ": expected " + e[i] + " (reference), got " + g[i]
                        + " (dnnl), diff " + Math.abs(e[i] - g[i]));
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
