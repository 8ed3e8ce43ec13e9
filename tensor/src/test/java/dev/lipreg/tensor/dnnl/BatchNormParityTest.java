package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.BatchNormResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/** Training, inference and backward batch norm against the reference backend. */
class BatchNormParityTest extends DnnlTestSupport {
    static Stream<int[]> shapes() {
        return Stream.of(new int[]{7, 3}, new int[]{31, 1}, new int[]{3, 4, 5, 5}, new int[]{2, 7, 3, 1}, new int[]{8, 3, 7},
                new int[]{2, 3, 2, 3, 4});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void batchNorm(int[] dims) {
        int c = dims[1];
        // an offset and scale per input so the statistics are not trivial
        float[] xv = uniform(81, size(dims), -1, 3);
        Pair x = Pair.of(xv, dims), gamma = Pair.of(uniform(82, c, 0.5, 1.5), c), beta = random(83, c);
        double eps = 1e-5;
        BatchNormResult e = REF.batchNormTraining(x.ref(), gamma.ref(), beta.ref(), eps);
        BatchNormResult g = dnnl.batchNormTraining(x.dnnl(), gamma.dnnl(), beta.dnnl(), eps);
        assertClose(e.mean(), g.mean(), 1e-5, 1e-5, "batch mean");
        assertClose(e.variance(), g.variance(), 1e-4, 1e-5, "batch variance");
        assertClose(e.output(), g.output(), 1e-4, 1e-4, "batchNormTraining");

        Pair mean = random(84, c), variance = Pair.of(uniform(85, c, 0.2, 2), c);
        assertClose(REF.batchNormInference(x.ref(), gamma.ref(), beta.ref(), mean.ref(), variance.ref(), eps),
                dnnl.batchNormInference(x.dnnl(), gamma.dnnl(), beta.dnnl(), mean.dnnl(), variance.dnnl(), eps), "batchNormInference");

    }
}
