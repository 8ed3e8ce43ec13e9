package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Pooling against the reference backend. Max-pool values and indices must be
 * identical, including on inputs full of ties (zeros, few levels), since double
 * backprop scatters and gathers through the indices.
 */
class PoolingParityTest extends DnnlTestSupport {
    static final Pool2dSpec[] SPECS = {
            Pool2dSpec.of(2),
            Pool2dSpec.of(3, 2, 1),
            new Pool2dSpec(3, 2, 1, 1, 1, 1, true),
            new Pool2dSpec(2, 2, 1, 1, 0, 0, true),
            new Pool2dSpec(1, 5, 1, 2, 0, 2, true),
            new Pool2dSpec(3, 3, 2, 2, 1, 1, false),
            Pool2dSpec.of(3, 3, 0),
    };
    static final int[][] INPUTS = {{1, 1, 7, 7}, {2, 3, 31, 31}, {3, 2, 8, 7}, {1, 1, 3, 5}};

    enum Values { RANDOM, ZEROS, LEVELS }

    static float[] values(Values kind, int n) {
        return switch (kind) {
            case RANDOM -> uniform(71, n, -2, 2);
            case ZEROS -> new float[n];
            case LEVELS -> levels(72, n, 3);
        };
    }

    static Stream<Arguments> cases() {
        return Arrays.stream(SPECS).flatMap(s -> Arrays.stream(INPUTS)
                .filter(x -> x[2] + 2 * s.padH() >= s.kernelH() && x[3] + 2 * s.padW() >= s.kernelW())
                .flatMap(x -> Arrays.stream(Values.values()).map(v -> Arguments.of(x, s, v))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void maxPool(int[] dims, Pool2dSpec spec, Values kind) {
        Pair x = Pair.of(values(kind, size(dims)), dims);
        MaxPoolResult expected = REF.maxPool2d(x.ref(), spec), got = dnnl.maxPool2d(x.dnnl(), spec);
        assertIdentical(expected.values(), got.values(), "maxPool2d values");
        assertIdentical(expected.indices(), got.indices(), "maxPool2d indices");

        Pair gy = random(73, expected.values().shape().dims());
        Tensor indices = got.indices();
        assertClose(REF.maxPool2dBackward(gy.ref(), expected.indices(), Shape.of(dims), spec),
                dnnl.maxPool2dBackward(gy.dnnl(), indices, Shape.of(dims), spec), "maxPool2dBackward");
        Pair gx = random(74, dims);
        assertIdentical(REF.maxPool2dGather(gx.ref(), expected.indices(), spec), dnnl.maxPool2dGather(gx.dnnl(), indices, spec),
                "maxPool2dGather");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nanSpecs")
    void maxPoolPropagatesNaN(Pool2dSpec spec) {
        float[] v = uniform(76, 2 * 7 * 7, -2, 2);
        v[0] = Float.NaN;
        v[9] = Float.NaN;
        v[50] = Float.NaN;
        v[60] = Float.POSITIVE_INFINITY;
        v[61] = Float.NEGATIVE_INFINITY;
        Pair x = Pair.of(v, 1, 2, 7, 7);
        MaxPoolResult expected = REF.maxPool2d(x.ref(), spec), got = dnnl.maxPool2d(x.dnnl(), spec);
        assertIdentical(expected.indices(), got.indices(), "maxPool2d indices with NaN");
        assertClose(expected.values(), got.values(), 0, 0, "maxPool2d values with NaN");
    }

    static Stream<Pool2dSpec> nanSpecs() {
        return Stream.of(Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void avgPool(int[] dims, Pool2dSpec spec, Values kind) {
        Pair x = Pair.of(values(kind, size(dims)), dims);
        Tensor expected = REF.avgPool2d(x.ref(), spec);
        assertClose(expected, dnnl.avgPool2d(x.dnnl(), spec), "avgPool2d");
        Pair gy = random(75, expected.shape().dims());
        assertClose(REF.avgPool2dBackward(gy.ref(), Shape.of(dims), spec), dnnl.avgPool2dBackward(gy.dnnl(), Shape.of(dims), spec),
                "avgPool2dBackward");
    }
}
