package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The speed paths against the reference backend at sizes where they engage:
 * max pooling split across threads (inputs above {@link HostLoops#PARALLEL_MIN_ELEMENTS}),
 * with ties, NaN planes and odd sizes, first-layer convolutions as im2col + matmul,
 * and staged reductions (conv bias gradients, per-example norms).
 */
class FastPathParityTest extends DnnlTestSupport {

    static Stream<Arguments> pools() {
        int[][] inputs = {{8, 16, 28, 28}, {4, 32, 15, 17}, {3, 64, 14, 14}};
        Pool2dSpec[] specs = {Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1)};
        return Arrays.stream(inputs).flatMap(x -> Arrays.stream(specs).flatMap(s ->
                Stream.of("relu", "levels", "zeros", "nan").map(v -> Arguments.of(x, s, v))));
    }

    /**
     * ReLU outputs (exact zeros: ties), few levels (ties everywhere), signed zeros and
     * -1 (0.0 and -0.0 tie: the first wins), or NaN/±inf sprinkled into some planes.
     */
    static float[] input(String kind, int n) {
        return switch (kind) {
            case "relu" -> {
                float[] v = uniform(81, n, -1, 1);
                for (int i = 0; i < n; i++) v[i] = Math.max(v[i], 0f);
                yield v;
            }
            case "levels" -> levels(82, n, 3);
            case "zeros" -> {
                float[] v = levels(84, n, 3);
                for (int i = 0; i < n; i++) v[i] = v[i] == 0 ? 0f : v[i] > 0 ? -0.0f : -1f;
                yield v;
            }
            default -> {
                float[] v = uniform(83, n, -2, 2);
                for (int i = 0; i < n; i += 4099) v[i] = Float.NaN;
                for (int i = 7; i < n; i += 5003) v[i] = Float.POSITIVE_INFINITY;
                for (int i = 11; i < n; i += 6007) v[i] = -0.0f;
                yield v;
            }
        };
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("pools")
    void maxPool(int[] dims, Pool2dSpec spec, String kind) {
        Pair x = Pair.of(input(kind, size(dims)), dims);
        MaxPoolResult expected = REF.maxPool2d(x.ref(), spec), got = dnnl.maxPool2d(x.dnnl(), spec);
        assertIdentical(expected.indices(), got.indices(), "maxPool2d indices");
        assertClose(expected.values(), got.values(), 0, 0, "maxPool2d values");

        Pair gy = random(84, expected.values().shape().dims());
        // overlapping windows sum in another order than the reference's (double) accumulation
        assertClose(REF.maxPool2dBackward(gy.ref(), expected.indices(), Shape.of(dims), spec),
                dnnl.maxPool2dBackward(gy.dnnl(), got.indices(), Shape.of(dims), spec), "maxPool2dBackward");
        Pair gx = random(85, dims);
        assertIdentical(REF.maxPool2dGather(gx.ref(), expected.indices(), spec), dnnl.maxPool2dGather(gx.dnnl(), got.indices(), spec),
                "maxPool2dGather");
    }

    /** Indices that leave their window (not from a 2x2 forward) still scatter-add as the reference does. */
    @org.junit.jupiter.api.Test
    void scatterWithForeignIndices() {
        int[] dims = {4, 32, 16, 16};
        Pool2dSpec spec = Pool2dSpec.of(2);
        long[] idx = new long[4 * 32 * 8 * 8];
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 37L) % 256;
        Tensor ri = ints(REF, DType.INT32, idx, 4, 32, 8, 8), di = ints(dnnl, DType.INT32, idx, 4, 32, 8, 8);
        Pair gy = random(86, 4, 32, 8, 8);
        assertClose(REF.maxPool2dBackward(gy.ref(), ri, Shape.of(dims), spec), dnnl.maxPool2dBackward(gy.dnnl(), di, Shape.of(dims), spec),
                "maxPool2dBackward with foreign indices");
    }

    /** A bad index found inside a share running on another thread surfaces as the usual exception, and the team keeps working. */
    @org.junit.jupiter.api.Test
    void failuresInParallelSharesAreRethrown() {
        int[] dims = {16, 32, 16, 16}; // above PARALLEL_MIN_ELEMENTS: split over two threads under OMP_NUM_THREADS=2
        Pool2dSpec spec = Pool2dSpec.of(2);
        long[] idx = new long[16 * 32 * 8 * 8];
        idx[idx.length - 1] = 256; // one past the plane, in the last share
        Tensor bad = ints(dnnl, DType.INT32, idx, 16, 32, 8, 8);
        Pair gy = random(92, 16, 32, 8, 8);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dnnl.maxPool2dBackward(gy.dnnl(), bad, Shape.of(dims), spec));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("maxPool2dBackward: index 256"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> dnnl.maxPool2dGather(random(93, dims).dnnl(), bad, spec));
        maxPool(dims, spec, "relu");
    }

    /** First-layer convolutions (few input channels) go through im2col + matmul, images split across threads. */
    static Stream<Arguments> columnConvs() {
        return Stream.of(
                Arguments.of(new int[]{32, 1, 28, 28}, new int[]{32, 1, 3, 3}, Conv2dSpec.of(1, 1)),
                Arguments.of(new int[]{16, 3, 32, 32}, new int[]{16, 3, 3, 3}, Conv2dSpec.of(1, 1)),
                Arguments.of(new int[]{16, 3, 33, 31}, new int[]{8, 3, 3, 3}, new Conv2dSpec(2, 1, 2, 0, 2, 1, 1)));
    }

    @ParameterizedTest(name = "x {0} w {1} {2}")
    @MethodSource("columnConvs")
    void columnConvolution(int[] xs, int[] ws, Conv2dSpec spec) {
        Pair x = random(88, xs), w = random(89, ws), b = random(90, ws[0]);
        Tensor y = REF.conv2d(x.ref(), w.ref(), b.ref(), spec);
        assertScaled(y, dnnl.conv2d(x.dnnl(), w.dnnl(), b.dnnl(), spec), "conv2d + bias");
        Pair gy = random(91, y.shape().dims());
        assertScaled(REF.conv2dBackwardData(gy.ref(), w.ref(), Shape.of(xs), spec),
                dnnl.conv2dBackwardData(gy.dnnl(), w.dnnl(), Shape.of(xs), spec), "conv2dBackwardData");
        assertScaled(REF.conv2dBackwardWeights(x.ref(), gy.ref(), Shape.of(ws), spec),
                dnnl.conv2dBackwardWeights(x.dnnl(), gy.dnnl(), Shape.of(ws), spec), "conv2dBackwardWeights");
    }

    static Stream<Arguments> reductions() {
        int[][][] cases = {
                {{128, 32, 28, 28}, {0, 2, 3}},   // conv bias gradient
                {{16, 8, 5, 3, 7}, {0, 2, 4}},    // three reduced runs
                {{128, 1, 28, 28}, {1, 2, 3}},    // per-example norms
                {{64, 40}, {0}},                  // leading axis only
        };
        return Arrays.stream(ReduceOp.values()).flatMap(op -> Arrays.stream(cases).map(c -> Arguments.of(op, c[0], c[1])));
    }

    @ParameterizedTest(name = "{0} {1} axes {2}")
    @MethodSource("reductions")
    void stagedReduction(ReduceOp op, int[] dims, int[] axes) {
        Pair x = random(87, dims);
        assertScaled(REF.reduce(op, x.ref(), axes, true), dnnl.reduce(op, x.dnnl(), axes, true),
                "reduce " + op + " " + Arrays.toString(axes));
    }
}
