package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Availability;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BackendContract;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backend contract on oneDNN (skipped, with the reason logged, when oneDNN cannot be loaded). */
class DnnlContractTest extends BackendContract {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlContractTest.class);
    private static DnnlBackend dnnl;

    @BeforeAll
    static void requireDnnl() {
        Availability a = DnnlBackend.availability();
        if (!a.available()) LOG.warn("skipping oneDNN contract tests: {}", a.detail());
        Assumptions.assumeTrue(a.available(), () -> "oneDNN unavailable: " + a.detail());
        dnnl = DnnlBackend.instance();
    }

    /** oneDNN's eltwise, binary, clip and reduction primitives do not propagate NaN as the reference does. */
    @Override
    protected boolean matchesReferenceOnNaN() {
        return false;
    }

    @Override
    protected Backend backend() {
        return dnnl;
    }
}
