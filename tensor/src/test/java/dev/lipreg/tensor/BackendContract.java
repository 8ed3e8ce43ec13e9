package dev.lipreg.tensor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract, written once and run against every backend
 * ({@code ReferenceContractTest}, {@code DnnlContractTest}, the CUDA kernels
 * emulated on the CPU and, with a GPU, the real ones): every op's results
 * against the reference backend — sizes 1, 3, 7, 31, broadcasting both ways,
 * reductions over axis sets, ties and NaN, strided and padded pooling, batch
 * norm, every dtype of the memory ops — and every validation case (bad shapes,
 * foreign tensors, refused dtypes) with the same message on every backend.
 * A new op adds its cases here.
 */
public abstract class BackendContract extends ParityTestBase {

    /** The backend under test. */
    protected abstract Backend backend();

    /** False where cuBLAS and cuDNN are absent (the CPU emulation of the CUDA kernels). */
    protected boolean runsMatmulAndConvolution() {
        return true;
    }

    /**
     * False for a backend whose kernels do not follow the reference on NaN and
     * infinite inputs (oneDNN's eltwise, binary, clip and reductions); its NaN
     * cases are skipped, which the skip message says.
     */
    protected boolean matchesReferenceOnNaN() {
        return true;
    }

    private void requireReferenceNaNRules() {
        Assumptions.assumeTrue(matchesReferenceOnNaN(), backend().name() + " does not follow the reference's NaN rules");
    }

    /** The same values as a FLOAT32 tensor on the reference backend and on the backend under test. */
    protected record Pair(Tensor ref, Tensor got) {
        Shape shape() {
            return ref.shape();
        }
    }

    protected Pair pair(float[] values, int... dims) {
        return new Pair(Tensor.of(REF, values, dims), Tensor.of(backend(), values, dims));
    }

    protected Pair random(long seed, int... dims) {
        return pair(uniform(seed, size(dims), -2, 2), dims);
    }

    private void requireMatmulAndConvolution() {
        Assumptions.assumeTrue(runsMatmulAndConvolution(), backend().name() + " runs no matmul or convolution here");
    }


    // ------------------------------------------------------------ element-wise

    static final int[][] SHAPES = {{1}, {3}, {7, 31}, {3, 7, 31}};

    /** Inputs in the op's domain, with the kinks (exact zeros) and large magnitudes included. */
    static float[] inputs(UnaryOp op, long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        float[] special = {0f, 1e-3f, -1e-3f, 20f, -20f, 1f, -1f};
        for (int i = 0; i < n; i++) {
            float x = i < special.length && n > special.length ? special[i] : (float) (6 * r.nextDouble() - 3);
            v[i] = switch (op) {
                case SQRT, LOG -> Math.abs(x) + 0.01f;
                case RECIPROCAL -> Math.copySign(Math.abs(x) + 0.1f, x);
                default -> x;
            };
        }
        return v;
    }

    static double alpha(UnaryOp op) {
        return switch (op) {
            case LEAKY_RELU -> 0.1;
            case ELU -> 0.7;
            default -> 0;
        };
    }

    static Stream<Arguments> unaryCases() {
        return Arrays.stream(UnaryOp.values()).flatMap(op -> Arrays.stream(SHAPES).map(s -> Arguments.of(op, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unary(UnaryOp op, int[] dims) {
        Pair x = pair(inputs(op, 11, size(dims)), dims);
        double a = alpha(op);
        assertClose(REF.unary(op, x.ref(), a), backend().unary(op, x.got(), a), "unary " + op);
        assertClose(REF.unary(op, x.ref()), backend().unary(op, x.got()), "unary " + op + " (alpha 0)");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unaryBackward(UnaryOp op, int[] dims) {
        Pair x = pair(inputs(op, 12, size(dims)), dims);
        Pair gy = random(13, dims);
        double a = alpha(op);
        assertClose(REF.unaryBackward(op, gy.ref(), x.ref(), a), backend().unaryBackward(op, gy.got(), x.got(), a), "unaryBackward " + op);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOfNaNAndInfinity(UnaryOp op) {
        requireReferenceNaNRules();
        float[] v = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
        Pair x = pair(v, v.length);
        assertClose(REF.unary(op, x.ref(), 0.5), backend().unary(op, x.got(), 0.5), "unary " + op + " of NaN/inf");
        Pair gy = pair(new float[]{1, 1, 1, Float.NaN, Float.POSITIVE_INFINITY}, v.length);
        assertClose(REF.unaryBackward(op, gy.ref(), x.ref(), 0.5), backend().unaryBackward(op, gy.got(), x.got(), 0.5),
                "unaryBackward " + op + " of NaN/inf");
    }

    /** Broadcasting in a, in b, in both, scalars, and differing ranks. */
    static final int[][][] BROADCASTS = {
            {{3, 7}, {3, 7}}, {{3, 7}, {7}}, {{7}, {3, 7}}, {{3, 1}, {1, 7}}, {{2, 3, 1, 5}, {3, 7, 1}},
            {{31, 1, 7}, {1, 3, 1}}, {{}, {3}}, {{3}, {}}, {{31}, {1}}, {{1}, {1}}, {{2, 3, 7, 7}, {3, 1, 1}},
            {{2, 1, 3, 1, 2, 1, 3, 1}, {1, 2, 1, 3, 1, 2, 1, 3}}, // 8 axes that cannot merge: the kernels' maximum
    };

    static Stream<Arguments> binaryCases() {
        return Arrays.stream(BinaryOp.values()).flatMap(op -> Arrays.stream(BROADCASTS).map(s -> Arguments.of(op, s[0], s[1])));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("binaryCases")
    void binary(BinaryOp op, int[] a, int[] b) {
        boolean ties = op.isComparison() || op == BinaryOp.MAX || op == BinaryOp.MIN;
        Pair x = ties ? pair(levels(21, size(a), 3), a) : random(21, a);
        float[] bv = ties ? levels(22, size(b), 3) : uniform(22, size(b), 0.5, 2);
        if (op == BinaryOp.DIV) for (int i = 0; i < bv.length; i += 2) bv[i] = -bv[i];
        Pair y = pair(bv, b);
        assertClose(REF.binary(op, x.ref(), y.ref()), backend().binary(op, x.got(), y.got()), "binary " + op);
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryWithNaN(BinaryOp op) {
        requireReferenceNaNRules();
        float[] a = {Float.NaN, 1, Float.NaN, Float.POSITIVE_INFINITY, 0};
        float[] b = {1, Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, 0};
        Pair x = pair(a, 5), y = pair(b, 5);
        assertClose(REF.binary(op, x.ref(), y.ref()), backend().binary(op, x.got(), y.got()), "binary " + op + " with NaN");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void affine(int[] dims) {
        Pair x = random(31, dims);
        assertClose(REF.affine(x.ref(), 0.37, -1.25), backend().affine(x.got(), 0.37, -1.25), "affine");
        assertClose(REF.affine(x.ref(), -2, 0), backend().affine(x.got(), -2, 0), "affine");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void addScaledInto(int[] dims) {
        checkAddScaledInto(dims);
    }

    @Test
    void addScaledIntoSplitAcrossThreadsWithATail() {
        checkAddScaledInto(new int[]{3, 70001}); // not a multiple of any chunk, large enough to run in parallel
    }

    private void checkAddScaledInto(int[] dims) {
        Pair dst = random(35, dims), x = random(36, dims);
        REF.addScaledInto(dst.ref(), 0.9, x.ref(), -0.125);
        backend().addScaledInto(dst.got(), 0.9, x.got(), -0.125);
        assertClose(dst.ref(), dst.got(), "addScaledInto");
        REF.addScaledInto(dst.ref(), 1, x.ref(), 1);
        backend().addScaledInto(dst.got(), 1, x.got(), 1);
        assertClose(dst.ref(), dst.got(), "addScaledInto twice");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void clamp(int[] dims) {
        Pair x = random(32, dims);
        assertClose(REF.clamp(x.ref(), -0.5, 0.75), backend().clamp(x.got(), -0.5, 0.75), "clamp");
        assertClose(REF.clamp(x.ref(), 0, Double.POSITIVE_INFINITY), backend().clamp(x.got(), 0, Double.POSITIVE_INFINITY), "clamp");
        assertClose(REF.clamp(x.ref(), 0.25, 0.25), backend().clamp(x.got(), 0.25, 0.25), "clamp");
    }

    @Test
    void clampKeepsNaN() {
        requireReferenceNaNRules();
        Pair nan = pair(new float[]{Float.NaN, -3, 3}, 3);
        assertClose(REF.clamp(nan.ref(), -1, 1), backend().clamp(nan.got(), -1, 1), "clamp NaN");
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void emptyTensors(UnaryOp op) {
        Pair x = pair(new float[0], 0, 3);
        assertClose(REF.unary(op, x.ref(), 0), backend().unary(op, x.got(), 0), "unary " + op + " of empty");
        assertClose(REF.binary(BinaryOp.ADD, x.ref(), x.ref()), backend().binary(BinaryOp.ADD, x.got(), x.got()), "empty add");
        assertClose(REF.broadcastTo(x.ref(), Shape.of(2, 0, 3)), backend().broadcastTo(x.got(), Shape.of(2, 0, 3)), "empty broadcast");
    }

    static Stream<int[]> shapes() {
        return Arrays.stream(SHAPES);
    }

    // ------------------------------------------------------------ reductions, broadcasting, softmax

    /** {shape, axes}: single axes, several axes, all axes (empty), negative axes, size-1 axes. */
    static final int[][][] AXES = {
            {{7}, {}}, {{1}, {0}}, {{3, 7}, {0}}, {{3, 7}, {1}}, {{3, 7}, {}}, {{2, 3, 7, 5}, {0, 2, 3}}, {{2, 3, 7, 5}, {1}},
            {{2, 3, 7, 5}, {-1}}, {{2, 3, 7, 5}, {0, 1, 2, 3}}, {{2, 3, 7, 5}, {1, 3}}, {{3, 1, 7}, {1}}, {{31, 31}, {0}},
            {{}, {}},
    };

    static Stream<Arguments> reduceCases() {
        return Arrays.stream(ReduceOp.values()).flatMap(op -> Arrays.stream(AXES).flatMap(c ->
                Stream.of(Arguments.of(op, c[0], c[1], false), Arguments.of(op, c[0], c[1], true))));
    }

    @ParameterizedTest(name = "{0} {1} axes {2} keepDims {3}")
    @MethodSource("reduceCases")
    void reduce(ReduceOp op, int[] dims, int[] axes, boolean keepDims) {
        Pair x = random(41, dims);
        assertClose(REF.reduce(op, x.ref(), axes, keepDims), backend().reduce(op, x.got(), axes, keepDims), 1e-5, 1e-5,
                "reduce " + op + " " + Arrays.toString(axes));
    }

    @Test
    void reduceEmptyTensor() {
        Pair x = pair(new float[0], 0, 3);
        for (ReduceOp op : ReduceOp.values()) {
            assertClose(REF.reduce(op, x.ref(), new int[]{0}, false), backend().reduce(op, x.got(), new int[]{0}, false), "reduce " + op + " of empty");
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceWithNaN(ReduceOp op) {
        requireReferenceNaNRules();
        float[] v = uniform(47, 4 * 300, -2, 2);
        v[5] = Float.NaN;
        v[700] = Float.NaN;
        v[301] = Float.POSITIVE_INFINITY;
        Pair x = pair(v, 4, 300);
        assertClose(REF.reduce(op, x.ref(), new int[]{1}, false), backend().reduce(op, x.got(), new int[]{1}, false), "reduce " + op + " rows");
        assertClose(REF.reduce(op, x.ref(), new int[]{}, false), backend().reduce(op, x.got(), new int[]{}, false), "reduce " + op + " all");
    }

    static Stream<Arguments> stagedReductions() {
        int[][][] cases = {
                {{128, 32, 28, 28}, {0, 2, 3}},   // conv bias gradient (two-stage)
                {{16, 8, 5, 3, 7}, {0, 2, 4}},    // three reduced runs
                {{128, 1, 28, 28}, {1, 2, 3}},    // per-example norms
                {{64, 40}, {0}},                  // leading axis only
                {{5000, 3}, {1}},                 // many outputs: one pass
        };
        return Arrays.stream(ReduceOp.values()).flatMap(op -> Arrays.stream(cases).map(c -> Arguments.of(op, c[0], c[1])));
    }

    @ParameterizedTest(name = "{0} {1} axes {2}")
    @MethodSource("stagedReductions")
    void stagedReduction(ReduceOp op, int[] dims, int[] axes) {
        Pair x = random(87, dims);
        assertScaled(REF.reduce(op, x.ref(), axes, true), backend().reduce(op, x.got(), axes, true), "reduce " + op + " " + Arrays.toString(axes));
    }

    static Stream<Arguments> argmaxCases() {
        return Stream.of(Arguments.of(new int[]{7, 31}, 1), Arguments.of(new int[]{7, 31}, 0), Arguments.of(new int[]{3, 7, 5}, 1),
                Arguments.of(new int[]{1}, 0), Arguments.of(new int[]{3, 7, 5}, -1));
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("argmaxCases")
    void argmaxPicksFirstMaximum(int[] dims, int axis) {
        Pair ties = pair(levels(42, size(dims), 3), dims);
        assertIdentical(REF.argmax(ties.ref(), axis), backend().argmax(ties.got(), axis), "argmax with ties");
        Pair x = random(43, dims);
        assertIdentical(REF.argmax(x.ref(), axis), backend().argmax(x.got(), axis), "argmax");
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("argmaxCases")
    void argmaxTakesTheFirstNaN(int[] dims, int axis) {
        requireReferenceNaNRules();
        float[] v = uniform(44, size(dims), -1, 1);
        for (int i = 0; i < v.length; i += 5) v[i] = Float.NaN;
        Pair nan = pair(v, dims);
        assertIdentical(REF.argmax(nan.ref(), axis), backend().argmax(nan.got(), axis), "argmax with NaN");
    }

    static Stream<Arguments> broadcastCases() {
        return Stream.of(Arguments.of(new int[]{3, 1}, new int[]{2, 3, 7}), Arguments.of(new int[]{1}, new int[]{5}),
                Arguments.of(new int[]{}, new int[]{2, 3}), Arguments.of(new int[]{7}, new int[]{3, 7}),
                Arguments.of(new int[]{3, 1, 7}, new int[]{3, 31, 7}), Arguments.of(new int[]{2, 3}, new int[]{2, 3}));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("broadcastCases")
    void broadcastTo(int[] from, int[] to) {
        Pair x = random(44, from);
        assertIdentical(REF.broadcastTo(x.ref(), Shape.of(to)), backend().broadcastTo(x.got(), Shape.of(to)), "broadcastTo");
        for (DType dt : new DType[]{DType.INT32, DType.INT64}) {
            long[] v = new long[size(from)];
            for (int i = 0; i < v.length; i++) v[i] = (i * 7919L) % 1000 - 500 + (dt == DType.INT64 ? 1L << 40 : 0);
            Tensor r = REF.broadcastTo(ints(REF, dt, v, from), Shape.of(to));
            assertIdentical(r, backend().broadcastTo(ints(backend(), dt, v, from), Shape.of(to)), "broadcastTo " + dt);
        }
    }

    static Stream<Arguments> softmaxCases() {
        return Stream.of(Arguments.of(new int[]{3, 7}, 1), Arguments.of(new int[]{3, 7}, 0), Arguments.of(new int[]{3, 7}, -1),
                Arguments.of(new int[]{2, 3, 5}, 1), Arguments.of(new int[]{128, 10}, 1), Arguments.of(new int[]{1}, 0),
                Arguments.of(new int[]{31, 1}, 1), Arguments.of(new int[]{2, 31, 3, 7}, 1));
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("softmaxCases")
    void softmax(int[] dims, int axis) {
        Pair x = pair(uniform(45, size(dims), -8, 8), dims);
        assertClose(REF.softmax(x.ref(), axis), backend().softmax(x.got(), axis), "softmax");
        assertClose(REF.logSoftmax(x.ref(), axis), backend().logSoftmax(x.got(), axis), "logSoftmax");
        Tensor yRef = REF.logSoftmax(x.ref(), axis);
        Pair gy = random(46, dims);
        assertClose(REF.logSoftmaxBackward(gy.ref(), yRef, axis), backend().logSoftmaxBackward(gy.got(), yRef.to(backend()), axis),
                "logSoftmaxBackward");
    }

    @Test
    void softmaxOfLargeLogitsIsStable() {
        float[] v = {1000f, 999f, -1000f, 0f, 88f, 89f};
        Pair x = pair(v, 2, 3);
        assertClose(REF.softmax(x.ref(), 1), backend().softmax(x.got(), 1), "softmax");
        assertClose(REF.logSoftmax(x.ref(), 1), backend().logSoftmax(x.got(), 1), "logSoftmax");
        assertArrayEquals(new long[]{0, 2}, backend().argmax(x.got(), 1).toLongArray());
    }

    // ------------------------------------------------------------ pooling

    static final Pool2dSpec[] SPECS = {
            Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1), new Pool2dSpec(3, 2, 1, 1, 1, 1, true), new Pool2dSpec(2, 2, 1, 1, 0, 0, true),
            new Pool2dSpec(1, 5, 1, 2, 0, 2, true), new Pool2dSpec(3, 3, 2, 2, 1, 1, false), Pool2dSpec.of(3, 3, 0),
    };
    static final int[][] POOL_INPUTS = {{1, 1, 7, 7}, {2, 3, 31, 31}, {3, 2, 8, 7}, {1, 1, 3, 5}};

    enum Values { RANDOM, ZEROS, LEVELS }

    static float[] values(Values kind, int n) {
        return switch (kind) {
            case RANDOM -> uniform(71, n, -2, 2);
            case ZEROS -> new float[n];
            case LEVELS -> levels(72, n, 3);
        };
    }

    static Stream<Arguments> poolCases() {
        return Arrays.stream(SPECS).flatMap(s -> Arrays.stream(POOL_INPUTS)
                .filter(x -> x[2] + 2 * s.padH() >= s.kernelH() && x[3] + 2 * s.padW() >= s.kernelW())
                .flatMap(x -> Arrays.stream(Values.values()).map(v -> Arguments.of(x, s, v))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("poolCases")
    void maxPool(int[] dims, Pool2dSpec spec, Values kind) {
        checkMaxPool(pair(values(kind, size(dims)), dims), spec);
    }

    private void checkMaxPool(Pair x, Pool2dSpec spec) {
        MaxPoolResult expected = REF.maxPool2d(x.ref(), spec), got = backend().maxPool2d(x.got(), spec);
        assertIdentical(expected.indices(), got.indices(), "maxPool2d indices");
        assertClose(expected.values(), got.values(), 0, 0, "maxPool2d values");
        Pair gy = random(73, expected.values().shape().dims());
        assertClose(REF.maxPool2dBackward(gy.ref(), expected.indices(), x.shape(), spec),
                backend().maxPool2dBackward(gy.got(), got.indices(), x.shape(), spec), "maxPool2dBackward");
        Pair gx = random(74, x.shape().dims());
        assertIdentical(REF.maxPool2dGather(gx.ref(), expected.indices(), spec), backend().maxPool2dGather(gx.got(), got.indices(), spec),
                "maxPool2dGather");
    }

    static Stream<Arguments> bigPools() {
        int[][] inputs = {{8, 16, 28, 28}, {4, 32, 15, 17}, {3, 64, 14, 14}};
        Pool2dSpec[] specs = {Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1)};
        return Arrays.stream(inputs).flatMap(x -> Arrays.stream(specs).flatMap(s ->
                Stream.of("relu", "levels", "nan").map(v -> Arguments.of(x, s, v))));
    }

    /** ReLU outputs (exact zeros: ties), few levels (ties everywhere), or NaN/±inf/-0 sprinkled in. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("bigPools")
    void maxPoolAtTrainingSizes(int[] dims, Pool2dSpec spec, String kind) {
        int n = size(dims);
        float[] v = switch (kind) {
            case "relu" -> {
                float[] u = uniform(81, n, -1, 1);
                for (int i = 0; i < n; i++) u[i] = Math.max(u[i], 0f);
                yield u;
            }
            case "levels" -> levels(82, n, 3);
            default -> {
                float[] u = uniform(83, n, -2, 2);
                for (int i = 0; i < n; i += 4099) u[i] = Float.NaN;
                for (int i = 7; i < n; i += 5003) u[i] = Float.POSITIVE_INFINITY;
                for (int i = 11; i < n; i += 6007) u[i] = -0.0f;
                yield u;
            }
        };
        checkMaxPool(pair(v, dims), spec);
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
        Pair x = pair(v, 1, 2, 7, 7);
        MaxPoolResult expected = REF.maxPool2d(x.ref(), spec), got = backend().maxPool2d(x.got(), spec);
        assertIdentical(expected.indices(), got.indices(), "maxPool2d indices with NaN");
        assertClose(expected.values(), got.values(), 0, 0, "maxPool2d values with NaN");
    }

    static Stream<Pool2dSpec> nanSpecs() {
        return Stream.of(Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1));
    }

    /** Indices that leave their window (not from a forward pass) still scatter-add and gather as the reference does. */
    @Test
    void scatterAndGatherWithForeignIndices() {
        int[] dims = {4, 32, 16, 16};
        Pool2dSpec spec = Pool2dSpec.of(2);
        long[] idx = new long[4 * 32 * 8 * 8];
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 37L) % 256;
        Tensor ri = ints(REF, DType.INT32, idx, 4, 32, 8, 8), gi = ints(backend(), DType.INT32, idx, 4, 32, 8, 8);
        Pair gy = random(86, 4, 32, 8, 8);
        assertClose(REF.maxPool2dBackward(gy.ref(), ri, Shape.of(dims), spec), backend().maxPool2dBackward(gy.got(), gi, Shape.of(dims), spec),
                "maxPool2dBackward with foreign indices");
        Pair gx = random(87, dims);
        assertIdentical(REF.maxPool2dGather(gx.ref(), ri, spec), backend().maxPool2dGather(gx.got(), gi, spec), "gather with foreign indices");
    }

    @Test
    void badIndicesAreReportedWithTheirPosition() {
        int[] dims = {2, 3, 8, 8};
        Pool2dSpec spec = Pool2dSpec.of(2);
        long[] idx = new long[2 * 3 * 4 * 4];
        idx[idx.length - 1] = 64; // one past the plane
        idx[idx.length - 2] = -1;
        Tensor bad = ints(backend(), DType.INT32, idx, 2, 3, 4, 4);
        Pair gy = random(92, 2, 3, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend().maxPool2dBackward(gy.got(), bad, Shape.of(dims), spec));
        assertTrue(e.getMessage().contains("maxPool2dBackward: index -1 at position " + (idx.length - 2)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend().maxPool2dGather(random(93, dims).got(), bad, spec));
        assertTrue(e.getMessage().contains("maxPool2dGather: index -1"), e.getMessage());
        checkMaxPool(random(94, dims), spec); // the flag is reset for the next check
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("poolCases")
    void avgPool(int[] dims, Pool2dSpec spec, Values kind) {
        Pair x = pair(values(kind, size(dims)), dims);
        Tensor expected = REF.avgPool2d(x.ref(), spec);
        assertClose(expected, backend().avgPool2d(x.got(), spec), "avgPool2d");
        Pair gy = random(75, expected.shape().dims());
        assertClose(REF.avgPool2dBackward(gy.ref(), Shape.of(dims), spec), backend().avgPool2dBackward(gy.got(), Shape.of(dims), spec),
                "avgPool2dBackward");
    }

    // ------------------------------------------------------------ batch norm

    static Stream<int[]> batchNormShapes() {
        return Stream.of(new int[]{7, 3}, new int[]{31, 1}, new int[]{3, 4, 5, 5}, new int[]{2, 7, 3, 1}, new int[]{8, 3, 7},
                new int[]{2, 3, 2, 3, 4}, new int[]{64, 16, 14, 14}, new int[]{5, 3, 17, 19}, new int[]{3, 100, 4, 4}, new int[]{2, 3, 20, 20});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchNormShapes")
    void batchNorm(int[] dims) {
        int c = dims[1];
        Pair x = pair(uniform(81, size(dims), -1, 3), dims), gamma = pair(uniform(82, c, 0.5, 1.5), c), beta = random(83, c);
        double eps = 1e-5;
        BatchNormResult e = REF.batchNormTraining(x.ref(), gamma.ref(), beta.ref(), eps);
        BatchNormResult g = backend().batchNormTraining(x.got(), gamma.got(), beta.got(), eps);
        assertClose(e.mean(), g.mean(), 1e-5, 1e-5, "batch mean");
        assertClose(e.variance(), g.variance(), 1e-4, 1e-5, "batch variance");
        assertClose(e.output(), g.output(), 1e-4, 1e-4, "batchNormTraining");

        Pair mean = random(84, c), variance = pair(uniform(85, c, 0.2, 2), c);
        assertClose(REF.batchNormInference(x.ref(), gamma.ref(), beta.ref(), mean.ref(), variance.ref(), eps),
                backend().batchNormInference(x.got(), gamma.got(), beta.got(), mean.got(), variance.got(), eps), "batchNormInference");

        // the backward from each side's own forward statistics
        Pair gy = random(86, dims);
        BatchNormGradients eg = REF.batchNormBackward(x.ref(), gamma.ref(), e.mean(), e.variance(), gy.ref(), eps);
        BatchNormGradients gg = backend().batchNormBackward(x.got(), gamma.got(), g.mean(), g.variance(), gy.got(), eps);
        assertClose(eg.input(), gg.input(), 1e-3, 1e-4, "batchNormBackward input");
        assertClose(eg.gamma(), gg.gamma(), 1e-4, 1e-3, "batchNormBackward gamma");
        assertClose(eg.beta(), gg.beta(), 1e-4, 1e-3, "batchNormBackward beta");

        // double backprop's derivatives of that backward, against a gradient u of its input gradient
        Pair u = random(87, dims);
        BatchNormSecondOrder es = REF.batchNormDoubleBackward(x.ref(), gamma.ref(), e.mean(), e.variance(), gy.ref(), u.ref(), eps);
        BatchNormSecondOrder gs = backend().batchNormDoubleBackward(x.got(), gamma.got(), g.mean(), g.variance(), gy.got(), u.got(), eps);
        assertClose(es.input(), gs.input(), 1e-3, 1e-4, "batchNormDoubleBackward input");
        assertClose(es.gradOutput(), gs.gradOutput(), 1e-3, 1e-4, "batchNormDoubleBackward gradOutput");
        assertClose(es.gamma(), gs.gamma(), 1e-3, 1e-3, "batchNormDoubleBackward gamma");
    }

    @Test
    void batchNormWithTinyEpsilon() {
        Pair x = random(88, 4, 3, 5), gamma = pair(new float[]{1, 2, 3}, 3), beta = pair(new float[]{0, 1, 2}, 3);
        assertClose(REF.batchNormTraining(x.ref(), gamma.ref(), beta.ref(), 1e-9).output(),
                backend().batchNormTraining(x.got(), gamma.got(), beta.got(), 1e-9).output(), 1e-4, 1e-4, "eps 1e-9 (below cuDNN's floor)");
    }

    // ------------------------------------------------------------ memory, layout, indexing (all dtypes but FLOAT64)

    enum Kind { FLOAT32, INT32, INT64 }

    /** The same values on both backends, in the given dtype (INT64 values beyond 32 bits). */
    Tensor[] make(Kind kind, long seed, int... dims) {
        int n = size(dims);
        if (kind == Kind.FLOAT32) {
            Pair p = pair(uniform(seed, n, -2, 2), dims);
            return new Tensor[]{p.ref(), p.got()};
        }
        long[] v = new long[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) v[i] = r.nextInt(2001) - 1000 + (kind == Kind.INT64 ? r.nextLong(1L << 45) : 0);
        DType dt = DType.valueOf(kind.name());
        return new Tensor[]{ints(REF, dt, v, dims), ints(backend(), dt, v, dims)};
    }

    static Stream<Arguments> permuteCases() {
        int[][][] cases = {{{3, 7}, {1, 0}}, {{2, 3, 5}, {2, 0, 1}}, {{2, 3, 5}, {0, 2, 1}}, {{2, 3, 7, 5}, {0, 2, 3, 1}},
                {{7}, {0}}, {{1, 31, 1}, {2, 1, 0}}, {{2, 3, 5}, {-1, 0, 1}}, {{}, {}}};
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(cases).map(c -> Arguments.of(k, c[0], c[1])));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("permuteCases")
    void permute(Kind kind, int[] dims, int[] axes) {
        Tensor[] x = make(kind, 91, dims);
        assertIdentical(REF.permute(x[0], axes), backend().permute(x[1], axes), "permute");
    }

    static Stream<Arguments> sliceCases() {
        int[][] cases = {{0, 1, 3}, {1, 0, 7}, {1, 2, 5}, {2, 30, 31}, {-1, 0, 1}, {1, 3, 3}};
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(cases).map(c -> Arguments.of(k, c[0], c[1], c[2])));
    }

    @ParameterizedTest(name = "{0} axis {1} [{2},{3})")
    @MethodSource("sliceCases")
    void slice(Kind kind, int axis, int start, int end) {
        Tensor[] x = make(kind, 92, 3, 7, 31);
        assertIdentical(REF.slice(x[0], axis, start, end), backend().slice(x[1], axis, start, end), "slice");
    }

    static Stream<Arguments> concatCases() {
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(Arguments.of(k, 0), Arguments.of(k, 1), Arguments.of(k, -1)));
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("concatCases")
    void concat(Kind kind, int axis) {
        int[] sizes = {1, 3, 0, 7};
        Tensor[] parts = new Tensor[8];
        for (int i = 0; i < sizes.length; i++) {
            int[] dims = {3, 5, 7};
            dims[axis < 0 ? axis + 3 : axis] = sizes[i];
            Tensor[] p = make(kind, 93 + i, dims);
            parts[2 * i] = p[0];
            parts[2 * i + 1] = p[1];
        }
        Tensor expected = REF.concat(List.of(parts[0], parts[2], parts[4], parts[6]), axis);
        assertIdentical(expected, backend().concat(List.of(parts[1], parts[3], parts[5], parts[7]), axis), "concat");
        assertIdentical(REF.concat(List.of(parts[2]), axis), backend().concat(List.of(parts[3]), axis), "concat of one");
    }

    static Stream<Arguments> castCases() {
        return Stream.of(Kind.values()).flatMap(from -> Stream.of(Kind.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("castCases")
    void cast(Kind from, Kind to) {
        Tensor[] x = make(from, 94, 3, 7);
        if (from == Kind.FLOAT32) {
            // fractions of both signs, halves, and values beyond the int range
            float[] v = {2.7f, -2.7f, 0.5f, -0.5f, 1.5f, -1.5f, 3e9f, -3e9f, 1e20f, Float.NaN, 0f, -0f, 7f, Float.NEGATIVE_INFINITY};
            x = new Tensor[]{Tensor.of(REF, v, v.length), Tensor.of(backend(), v, v.length)};
        }
        DType dt = DType.valueOf(to.name());
        assertIdentical(REF.cast(x[0], dt), backend().cast(x[1], dt), "cast");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "INT32", "INT64"})
    void memoryOps(DType dt) {
        Shape s = Shape.of(3, 7, 31);
        for (double v : new double[]{0, 1, -2.5, 1e10, 7, Double.NaN}) {
            assertIdentical(REF.full(s, dt, v), backend().full(s, dt, v), "full " + v);
        }
        assertIdentical(REF.full(Shape.scalar(), dt, 3), backend().full(Shape.scalar(), dt, 3), "full scalar");
        Tensor t = backend().full(s, dt, 5);
        assertEquals(s, backend().empty(s, dt).shape());
        assertEquals(0, backend().empty(Shape.of(0, 4), dt).size());

        MemorySegment host = REF.toHost(make(Kind.valueOf(dt.name()), 95, 3, 7, 31)[0]);
        Tensor fromHost = backend().fromHost(host, s, dt);
        assertIdentical(REF.fromHost(host, s, dt), fromHost, "fromHost");
        assertEquals(-1, backend().toHost(fromHost).mismatch(host), "toHost");
        Tensor copy = backend().copy(fromHost);
        assertIdentical(fromHost, copy, "copy");
        backend().copyInto(t, fromHost);
        assertIdentical(fromHost, t, "copyInto");
    }

    @Test
    void arraysAndTransfers() {
        float[] v = uniform(96, 21, -1, 1);
        Tensor t = backend().fromArray(v, Shape.of(3, 7));
        assertEquals(DType.FLOAT32, t.dtype());
        assertSame(backend(), t.backend());
        assertIdentical(REF.fromArray(v, Shape.of(3, 7)), t, "fromArray");
        assertIdentical(Tensor.ofLabels(REF, new long[]{1, 5, 2}), Tensor.ofLabels(backend(), new long[]{1, 5, 2}), "labels");
        assertIdentical(t.to(REF), t, "to(reference)");
        assertIdentical(t, t.to(REF).to(backend()), "round trip");
        assertIdentical(t, t.reshape(7, 3).reshape(3, 7), "reshape keeps the device memory");
        assertTrue(t.toString().contains(backend().name()), t.toString());
    }

    static Stream<Arguments> oneHotCases() {
        return Stream.of(DType.INT32, DType.INT64).flatMap(l -> Stream.of(DType.FLOAT32, DType.INT32, DType.INT64)
                .map(d -> Arguments.of(l, d)));
    }

    @ParameterizedTest(name = "labels {0} -> {1}")
    @MethodSource("oneHotCases")
    void oneHot(DType labelType, DType dtype) {
        long[] labels = {3, 0, 9, 9, 1, 0, 4};
        assertIdentical(REF.oneHot(ints(REF, labelType, labels, labels.length), 10, dtype),
                backend().oneHot(ints(backend(), labelType, labels, labels.length), 10, dtype), "oneHot");
        assertIdentical(REF.oneHot(ints(REF, labelType, new long[0], 0), 10, dtype),
                backend().oneHot(ints(backend(), labelType, new long[0], 0), 10, dtype), "oneHot of none");
    }

    /** Labels computed on the device (no known range) are checked by the kernel. */
    @Test
    void oneHotChecksLabelsMadeOnTheDevice() {
        Tensor labels = backend().cast(backend().fromArray(new float[]{1, 4, 12, 2, -1}, Shape.of(5)), DType.INT64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend().oneHot(labels, 10, DType.FLOAT32));
        assertTrue(e.getMessage().contains("oneHot: label 12 at position 2 outside [0, 10)"), e.getMessage());
        Tensor good = backend().cast(backend().fromArray(new float[]{1, 4, 9}, Shape.of(3)), DType.INT32);
        assertIdentical(REF.oneHot(Tensor.ofLabels(REF, new long[]{1, 4, 9}), 10, DType.FLOAT32), backend().oneHot(good, 10, DType.FLOAT32),
                "oneHot of device labels");
    }

    // ------------------------------------------------------------ matmul and convolution

    static Stream<Arguments> matmulCases() {
        int[][] mkn = {{1, 1, 1}, {3, 7, 31}, {31, 3, 7}, {7, 31, 1}, {1, 31, 3}, {128, 313, 10}, {3, 0, 4}};
        return Stream.of(mkn).flatMap(s -> Stream.of(
                Arguments.of(s[0], s[1], s[2], false, false), Arguments.of(s[0], s[1], s[2], true, false),
                Arguments.of(s[0], s[1], s[2], false, true), Arguments.of(s[0], s[1], s[2], true, true)));
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("matmulCases")
    void matmul(int m, int k, int n, boolean transA, boolean transB) {
        requireMatmulAndConvolution();
        Pair a = transA ? random(51, k, m) : random(51, m, k);
        Pair b = transB ? random(52, n, k) : random(52, k, n);
        assertScaled(REF.matmul(a.ref(), b.ref(), transA, transB), backend().matmul(a.got(), b.got(), transA, transB), "matmul");
    }

    static Stream<Arguments> linearCases() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 7, 31), Arguments.of(31, 3, 7), Arguments.of(128, 3136, 128),
                Arguments.of(7, 128, 10));
    }

    @ParameterizedTest(name = "[{0},{1}] -> {2}")
    @MethodSource("linearCases")
    void linear(int n, int in, int out) {
        requireMatmulAndConvolution();
        Pair x = random(53, n, in), w = random(54, out, in), b = random(55, out);
        assertScaled(REF.linear(x.ref(), w.ref(), b.ref()), backend().linear(x.got(), w.got(), b.got()), "linear");
        assertScaled(REF.linear(x.ref(), w.ref(), null), backend().linear(x.got(), w.got(), null), "linear without bias");
    }

    /** Input [N,C,H,W], weights [OC,C/g,KH,KW], geometry. */
    record ConvCase(String name, int[] x, int[] w, Conv2dSpec spec) {
        @Override
        public String toString() {
            return name + " x" + Shape.of(x) + " w" + Shape.of(w) + " " + spec;
        }
    }

    static Stream<ConvCase> convCases() {
        return Stream.of(
                new ConvCase("1x1 input 3x3 pad 1", new int[]{1, 1, 1, 1}, new int[]{3, 1, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("7x7 valid", new int[]{1, 1, 7, 7}, new int[]{3, 1, 3, 3}, Conv2dSpec.of(1, 0)),
                new ConvCase("3x2 kernel stride 2 pad 1", new int[]{3, 3, 31, 31}, new int[]{7, 3, 3, 2}, new Conv2dSpec(2, 2, 1, 1, 1, 1, 1)),
                new ConvCase("1x5 kernel pad 0x2", new int[]{2, 3, 7, 31}, new int[]{4, 3, 1, 5}, new Conv2dSpec(1, 1, 0, 2, 1, 1, 1)),
                new ConvCase("dilation 2 pad 2", new int[]{2, 3, 7, 7}, new int[]{5, 3, 3, 3}, Conv2dSpec.of(1, 2, 2, 1)),
                new ConvCase("4 groups", new int[]{2, 8, 7, 7}, new int[]{12, 2, 3, 3}, Conv2dSpec.of(1, 1, 1, 4)),
                new ConvCase("depthwise", new int[]{2, 7, 7, 7}, new int[]{7, 1, 3, 3}, Conv2dSpec.of(1, 1, 1, 7)),
                new ConvCase("depthwise multiplier 2 stride 2", new int[]{2, 3, 8, 8}, new int[]{6, 1, 3, 3}, Conv2dSpec.of(2, 1, 1, 3)),
                new ConvCase("stride 2 drops last row", new int[]{1, 2, 8, 8}, new int[]{3, 2, 3, 3}, Conv2dSpec.of(2, 0)),
                new ConvCase("stride 3 asymmetric", new int[]{2, 3, 10, 7}, new int[]{4, 3, 2, 3}, new Conv2dSpec(3, 2, 1, 0, 1, 2, 1)),
                new ConvCase("1x1 conv", new int[]{3, 31, 7, 7}, new int[]{7, 31, 1, 1}, Conv2dSpec.of(1, 0)),
                new ConvCase("fashion conv1", new int[]{4, 1, 28, 28}, new int[]{32, 1, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("fashion conv2", new int[]{2, 32, 14, 14}, new int[]{64, 32, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("resnet 16 channels", new int[]{4, 16, 8, 8}, new int[]{16, 16, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("batch 128 conv1", new int[]{128, 1, 28, 28}, new int[]{32, 1, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("first layer rgb dilated", new int[]{16, 3, 33, 31}, new int[]{8, 3, 3, 3}, new Conv2dSpec(2, 1, 2, 0, 2, 1, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2d(ConvCase c) {
        requireMatmulAndConvolution();
        Pair x = random(61, c.x()), w = random(62, c.w()), b = random(63, c.w()[0]);
        assertScaled(REF.conv2d(x.ref(), w.ref(), b.ref(), c.spec()), backend().conv2d(x.got(), w.got(), b.got(), c.spec()), "conv2d + bias");
        assertScaled(REF.conv2d(x.ref(), w.ref(), null, c.spec()), backend().conv2d(x.got(), w.got(), null, c.spec()), "conv2d");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardData(ConvCase c) {
        requireMatmulAndConvolution();
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair gy = random(64, y.dims()), w = random(65, c.w());
        assertScaled(REF.conv2dBackwardData(gy.ref(), w.ref(), Shape.of(c.x()), c.spec()),
                backend().conv2dBackwardData(gy.got(), w.got(), Shape.of(c.x()), c.spec()), "conv2dBackwardData");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardWeights(ConvCase c) {
        requireMatmulAndConvolution();
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair x = random(66, c.x()), gy = random(67, y.dims());
        assertScaled(REF.conv2dBackwardWeights(x.ref(), gy.ref(), Shape.of(c.w()), c.spec()),
                backend().conv2dBackwardWeights(x.got(), gy.got(), Shape.of(c.w()), c.spec()), "conv2dBackwardWeights");
    }

    /** Both gradients in one call equal the separate ops' (oneDNN may reorder gy once for both). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackward(ConvCase c) {
        requireMatmulAndConvolution();
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair x = random(68, c.x()), w = random(69, c.w()), gy = random(70, y.dims());
        Conv2dGradients got = backend().conv2dBackward(x.got(), w.got(), gy.got(), c.spec());
        assertScaled(REF.conv2dBackwardData(gy.ref(), w.ref(), Shape.of(c.x()), c.spec()), got.input(), "conv2dBackward input");
        assertScaled(REF.conv2dBackwardWeights(x.ref(), gy.ref(), Shape.of(c.w()), c.spec()), got.weight(), "conv2dBackward weight");
    }

    @Test
    void degenerateConvolutions() {
        requireMatmulAndConvolution();
        Pair x = pair(new float[0], 2, 0, 5, 5), w = pair(new float[0], 3, 0, 3, 3), b = pair(new float[]{1, -2, 3}, 3);
        assertScaled(REF.conv2d(x.ref(), w.ref(), b.ref(), Conv2dSpec.of(1, 1)), backend().conv2d(x.got(), w.got(), b.got(), Conv2dSpec.of(1, 1)),
                "conv2d without input channels");
        Pair gy = random(71, 2, 3, 5, 5);
        Conv2dGradients d = backend().conv2dBackward(x.got(), w.got(), gy.got(), Conv2dSpec.of(1, 1));
        assertEquals(Shape.of(2, 0, 5, 5), d.input().shape());
        assertEquals(Shape.of(3, 0, 3, 3), d.weight().shape());
    }

    // ------------------------------------------------------------ bad input

    Tensor t(int... dims) {
        return backend().full(Shape.of(dims), DType.FLOAT32, 1);
    }

    /** {what, call, fragments the message must contain}. */
    List<Arguments> badInput() {
        var g = backend();
        return List.of(
                bad("matmul inner", () -> g.matmul(t(3, 4), t(5, 6), false, false), "matmul", "[3, 4]", "[5, 6]"),
                bad("matmul rank", () -> g.matmul(t(3, 4, 1), t(4, 6), false, false), "matmul", "[3, 4, 1]"),
                bad("linear features", () -> g.linear(t(2, 4), t(3, 5), t(3)), "linear", "[2, 4]", "[3, 5]"),
                bad("linear bias", () -> g.linear(t(2, 4), t(3, 4), t(4)), "linear", "bias", "[4]"),
                bad("binary broadcast", () -> g.binary(BinaryOp.ADD, t(3, 4), t(5)), "binary ADD", "[3, 4]", "[5]"),
                bad("unaryBackward shapes", () -> g.unaryBackward(UnaryOp.RELU, t(3), t(4), 0), "unaryBackward RELU", "[3]", "[4]"),
                bad("clamp bounds", () -> g.clamp(t(3), 1, 0), "clamp"),
                bad("conv channels", () -> g.conv2d(t(1, 3, 7, 7), t(4, 2, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "[4, 2, 3, 3]", "[1, 3, 7, 7]"),
                bad("conv groups", () -> g.conv2d(t(1, 6, 7, 7), t(4, 2, 3, 3), null, Conv2dSpec.of(1, 0, 1, 4)), "conv2d", "groups"),
                bad("conv kernel too large", () -> g.conv2d(t(1, 1, 2, 2), t(1, 1, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "larger"),
                bad("conv bias", () -> g.conv2d(t(1, 1, 7, 7), t(4, 1, 3, 3), t(3), Conv2dSpec.of(1, 0)), "conv2d", "bias", "[3]"),
                bad("conv rank", () -> g.conv2d(t(1, 7, 7), t(4, 1, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "[1, 7, 7]"),
                bad("conv backward data", () -> g.conv2dBackwardData(t(1, 4, 4, 4), t(4, 1, 3, 3), Shape.of(1, 1, 7, 7), Conv2dSpec.of(1, 0)),
                        "conv2dBackwardData", "[1, 4, 4, 4]", "[1, 4, 5, 5]"),
                bad("conv backward weights", () -> g.conv2dBackwardWeights(t(1, 1, 7, 7), t(1, 4, 4, 4), Shape.of(4, 1, 3, 3), Conv2dSpec.of(1, 0)),
                        "conv2dBackwardWeights", "[1, 4, 4, 4]"),
                bad("pool rank", () -> g.maxPool2d(t(7, 7), Pool2dSpec.of(2)), "pool2d", "[7, 7]"),
                bad("pool window", () -> g.avgPool2d(t(1, 1, 1, 1), Pool2dSpec.of(2)), "pool2d", "larger"),
                bad("avg pool backward", () -> g.avgPool2dBackward(t(1, 1, 2, 2), Shape.of(1, 1, 6, 6), Pool2dSpec.of(2)),
                        "avgPool2dBackward", "[1, 1, 2, 2]", "[1, 1, 3, 3]"),
                bad("max pool indices dtype", () -> g.maxPool2dBackward(t(1, 1, 2, 2), t(1, 1, 2, 2), Shape.of(1, 1, 4, 4), Pool2dSpec.of(2)),
                        "maxPool2dBackward", "INT32", "FLOAT32[1, 1, 2, 2]"),
                bad("max pool gather shape", () -> g.maxPool2dGather(t(1, 1, 4, 4), g.full(Shape.of(1, 1, 3, 3), DType.INT32, 0), Pool2dSpec.of(2)),
                        "maxPool2dGather", "[1, 1, 2, 2]", "[1, 1, 3, 3]"),
                bad("max pool index range", () -> g.maxPool2dGather(t(1, 1, 4, 4), g.cast(g.full(Shape.of(1, 1, 2, 2), DType.FLOAT32, 16), DType.INT32),
                        Pool2dSpec.of(2)), "maxPool2dGather", "index 16"),
                bad("reduce axis", () -> g.reduce(ReduceOp.SUM, t(3, 4), new int[]{2}, false), "reduce SUM", "[3, 4]"),
                bad("reduce repeated axis", () -> g.reduce(ReduceOp.MAX, t(3, 4), new int[]{1, -1}, false), "reduce MAX", "repeated"),
                bad("argmax axis", () -> g.argmax(t(3, 4), 3), "argmax", "[3, 4]"),
                bad("softmax axis", () -> g.softmax(t(3, 4), -3), "softmax", "[3, 4]"),
                bad("logSoftmaxBackward shapes", () -> g.logSoftmaxBackward(t(3, 4), t(4, 3), 1), "logSoftmaxBackward", "[3, 4]", "[4, 3]"),
                bad("batch norm channels", () -> g.batchNormTraining(t(2, 3, 4), t(4), t(3), 1e-5), "batchNormTraining", "[4]", "[2, 3, 4]"),
                bad("batch norm backward gradient", () -> g.batchNormBackward(t(2, 3, 4), t(3), t(3), t(3), t(2, 3, 5), 1e-5),
                        "batchNormBackward", "[2, 3, 5]", "[2, 3, 4]"),
                bad("batch norm backward statistics", () -> g.batchNormBackward(t(2, 3, 4), t(3), t(2), t(3), t(2, 3, 4), 1e-5),
                        "batchNormBackward", "[2]"),
                bad("batch norm double backward gradient", () -> g.batchNormDoubleBackward(t(2, 3, 4), t(3), t(3), t(3), t(2, 3, 4),
                        t(2, 3, 5), 1e-5), "batchNormDoubleBackward", "[2, 3, 5]", "[2, 3, 4]"),
                bad("batch norm rank", () -> g.batchNormInference(t(3), t(3), t(3), t(3), t(3), 1e-5), "batchNormInference", "[3]"),
                bad("broadcastTo", () -> g.broadcastTo(t(3, 2), Shape.of(3, 4)), "broadcastTo", "[3, 2]", "[3, 4]"),
                bad("permute", () -> g.permute(t(2, 3, 4), 0, 1), "permute", "[2, 3, 4]"),
                bad("permute repeated", () -> g.permute(t(2, 3), 1, 1), "permute", "repeated"),
                bad("slice range", () -> g.slice(t(2, 3), 1, 2, 4), "slice", "[2, 3]"),
                bad("concat shapes", () -> g.concat(List.of(t(2, 3), t(3, 3)), 1), "concat", "[3, 3]", "[2, 3]"),
                bad("concat none", () -> g.concat(List.of(), 0), "concat"),
                bad("oneHot label", () -> g.oneHot(Tensor.ofLabels(g, new long[]{1, 10}), 10, DType.FLOAT32), "oneHot", "label 10"),
                bad("oneHot negative classes", () -> g.oneHot(Tensor.ofLabels(g, new long[]{0}), -1, DType.FLOAT32), "oneHot", "classes", "-1"),
                bad("oneHot no classes", () -> g.oneHot(Tensor.ofLabels(g, new long[]{0}), 0, DType.FLOAT32), "oneHot", "label 0"),
                bad("batch norm empty batch", () -> g.batchNormTraining(g.full(Shape.of(0, 3), DType.FLOAT32, 0), t(3), t(3), 1e-5),
                        "batchNormTraining", "[0, 3]", "empty"),
                bad("argmax empty axis", () -> g.argmax(g.full(Shape.of(2, 0), DType.FLOAT32, 0), 1), "argmax", "empty"),
                bad("oneHot float labels", () -> g.oneHot(t(3), 10, DType.FLOAT32), "oneHot", "FLOAT32[3]"),
                bad("integer compute", () -> g.unary(UnaryOp.EXP, g.full(Shape.of(3), DType.INT32, 1)), "unary EXP", "INT32[3]"),
                bad("fromHost size", () -> g.fromHost(MemorySegment.ofArray(new float[5]), Shape.of(2, 3), DType.FLOAT32), "fromHost", "20 bytes", "[2, 3]"),
                bad("copyInto", () -> g.copyInto(t(2, 3), t(3, 2)), "copyInto", "[2, 3]", "[3, 2]"),
                bad("addScaledInto", () -> g.addScaledInto(t(2, 3), 1, t(3, 2), 1), "addScaledInto", "[2, 3]", "[3, 2]"));
    }

    static Arguments bad(String what, Executable call, String... fragments) {
        return Arguments.of(what, call, fragments);
    }

    @Test
    void rejectsBadInput() {
        for (Arguments a : badInput()) {
            String what = (String) a.get()[0];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, (Executable) a.get()[1], what);
            for (String f : (String[]) a.get()[2]) {
                assertTrue(e.getMessage().contains(f), what + ": message '" + e.getMessage() + "' lacks '" + f + "'");
            }
        }
    }

    @Test
    void float64IsRefusedWithAdvice() {
        var g = backend();
        Assumptions.assumeFalse(g.supports(DType.FLOAT64), "computes in FLOAT64");
        assertTrue(g.supports(DType.FLOAT32) && g.supports(DType.INT32) && g.supports(DType.INT64));
        List<Executable> calls = List.of(
                () -> g.empty(Shape.of(2), DType.FLOAT64),
                () -> g.full(Shape.of(2), DType.FLOAT64, 1),
                () -> g.fromArray(new double[]{1, 2}, Shape.of(2)),
                () -> g.cast(t(2), DType.FLOAT64),
                () -> g.oneHot(Tensor.ofLabels(g, new long[]{1}), 3, DType.FLOAT64),
                () -> Tensor.of(REF, new double[]{1, 2}, 2).to(g));
        for (Executable c : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c);
            assertTrue(e.getMessage().contains(KernelBackend.float64Message(g.name())), e.getMessage());
        }
    }

    @Test
    void tensorsOfOtherBackendsAreRefused() {
        Backend other = backend() == REF ? ForeignBackend.INSTANCE : REF;
        Tensor ref = Tensor.of(other, new float[]{1, 2, 3}, 3);
        Tensor mine = t(3);
        var g = backend();
        List<Executable> calls = List.of(
                () -> g.unary(UnaryOp.RELU, ref), () -> g.binary(BinaryOp.ADD, mine, ref), () -> g.copy(ref), () -> g.toHost(ref),
                () -> g.copyInto(mine, ref), () -> g.matmul(ref.reshape(1, 3), mine.reshape(3, 1), false, false),
                () -> g.concat(List.of(mine, ref), 0));
        for (Executable c : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c);
            assertTrue(e.getMessage().contains("belongs to backend '" + other.name() + "'"), e.getMessage());
        }
    }

    // ------------------------------------------------------------ memory

    @Test
    void tensorsOfAClosedScopeThrowOnUse() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = backend().full(Shape.of(2, 3), DType.FLOAT32, 1);
            assertTrue(t.isAlive());
        }
        assertFalse(t.isAlive());
        Tensor dead = t;
        assertThrows(IllegalStateException.class, () -> backend().unary(UnaryOp.EXP, dead));
        assertThrows(IllegalStateException.class, () -> backend().copy(dead));
        assertThrows(IllegalStateException.class, dead::toFloatArray);
    }

    @Test
    void opsNeedAnOpenScope() throws InterruptedException {
        Tensor x = backend().full(Shape.of(3), DType.FLOAT32, 1);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread th = new Thread(() -> {
            try {
                backend().unary(UnaryOp.EXP, x);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        th.start();
        th.join(10_000);
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        assertTrue(thrown.get().getMessage().contains("Scope"), thrown.get().getMessage());
    }

    /** Results are read back in the order the ops were enqueued, through reuse of freed blocks. */
    @Test
    void reusedBlocksKeepStreamOrder() {
        Function<Integer, Tensor> chain = k -> {
            Tensor acc = backend().full(Shape.of(1000), DType.FLOAT32, 0);
            for (int i = 0; i < k; i++) {
                try (Scope inner = Scope.open()) {
                    Tensor tmp = backend().affine(acc, 1, 1);
                    backend().copyInto(acc, tmp);
                }
            }
            return acc;
        };
        float[] v = chain.apply(50).toFloatArray();
        for (float f : v) assertEquals(50f, f);
    }
}
