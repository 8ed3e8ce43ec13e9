package dev.lipreg.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What every backend-parity suite shares: a scope per test, seeded inputs, and
 * comparisons of a backend's float32 results with the reference backend's.
 */
public abstract class ParityTestBase {
    /** Element-wise tolerances: |got - ref| <= ABS + REL·|ref|. */
    protected static final double REL = 1e-5, ABS = 1e-5;
    /** Accumulating ops (conv, matmul): |got - ref| <= SCALED · max|ref| (+ a tiny absolute floor). */
    protected static final double SCALED = 1e-4;
    protected static final Backend REF = Backends.reference();

    private Scope scope;

    @BeforeEach
    void openScope() {
        scope = Scope.open();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }

    protected static float[] uniform(long seed, int n, double lo, double hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    /** Values from a few levels only, so ties (equal values) are common. */
    protected static float[] levels(long seed, int n, int levels) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(levels) - levels / 2;
        return v;
    }

    protected static int size(int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** Same shape and dtype, computed on another backend, values within abs + rel·|ref|; NaNs must agree. */
    protected static void assertClose(Tensor ref, Tensor got, double rel, double abs, String what) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        assertEquals(ref.dtype(), got.dtype(), what + ": dtype");
        double[] e = ref.toDoubleArray(), g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= abs + rel * Math.abs(e[i]);
            if (!ok) {
                fail(what + ": element " + i + " of " + ref.shape() + ": expected " + e[i] + " (reference), got " + g[i]
                        + " (" + got.backend().name() + "), diff " + Math.abs(e[i] - g[i]));
            }
        }
    }

    protected static void assertClose(Tensor ref, Tensor got, String what) {
        assertClose(ref, got, REL, ABS, what);
    }

    /** For sums of many products: error relative to the output's scale. */
    protected static void assertScaled(Tensor ref, Tensor got, String what) {
        double scale = Arrays.stream(ref.toDoubleArray()).map(Math::abs).max().orElse(0);
        assertClose(ref, got, 0, SCALED * scale + 1e-6, what);
    }

    /** Bit-for-bit equal values (indices, data movement). */
    protected static void assertIdentical(Tensor ref, Tensor got, String what) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        assertEquals(ref.dtype(), got.dtype(), what + ": dtype");
        if (ref.dtype().isFloating()) {
            assertArrayEquals(ref.toDoubleArray(), got.toDoubleArray(), 0, what);
        } else {
            assertArrayEquals(ref.toLongArray(), got.toLongArray(), what);
        }
    }

    protected static Tensor ints(Backend b, DType dtype, long[] values, int... dims) {
        Tensor t = b.fromArray(values, Shape.of(dims));
        return dtype == DType.INT64 ? t : b.cast(t, dtype);
    }
}
