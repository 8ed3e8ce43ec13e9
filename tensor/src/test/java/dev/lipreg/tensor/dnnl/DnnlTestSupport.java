package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Availability;
import dev.lipreg.tensor.ParityTestBase;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Set-up of the oneDNN parity tests: skips (with the reason logged) when oneDNN
 * cannot be loaded, and makes seeded inputs on both backends; the comparisons
 * come from {@link ParityTestBase}.
 */
abstract class DnnlTestSupport extends ParityTestBase {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlTestSupport.class);

    static DnnlBackend dnnl;

    @BeforeAll
    static void requireDnnl() {
        Availability a = DnnlBackend.availability();
        if (!a.available()) LOG.warn("skipping oneDNN parity tests: {}", a.detail());
        Assumptions.assumeTrue(a.available(), () -> "oneDNN unavailable: " + a.detail());
        dnnl = DnnlBackend.instance();
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

    static Pair random(long seed, int... dims) {
        return Pair.of(uniform(seed, size(dims), -2, 2), dims);
    }
}
