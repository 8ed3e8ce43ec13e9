package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** reduce, argmax, broadcastTo, softmax, logSoftmax, logSoftmaxBackward against the reference backend. */
class ReductionParityTest extends DnnlTestSupport {
    /** {shape, axes}: single axes, several axes, all axes (empty), negative axes, size-1 axes. */
    static final int[][][] AXES = {
            {{7}, {}},
            {{1}, {0}},
            {{3, 7}, {0}},
            {{3, 7}, {1}},
            {{3, 7}, {}},
            {{2, 3, 7, 5}, {0, 2, 3}},
            {{2, 3, 7, 5}, {1}},
            {{2, 3, 7, 5}, {-1}},
            {{2, 3, 7, 5}, {0, 1, 2, 3}},
            {{2, 3, 7, 5}, {1, 3}},
            {{3, 1, 7}, {1}},
            {{31, 31}, {0}},
    };

    static Stream<Arguments> reduceCases() {
        return Arrays.stream(ReduceOp.values()).flatMap(op -> Arrays.stream(AXES).flatMap(c ->
                Stream.of(Arguments.of(op, c[0], c[1], false), Arguments.of(op, c[0], c[1], true))));
    }

    @ParameterizedTest(name = "{0} {1} axes {2} keepDims {3}")
    @MethodSource("reduceCases")
    void reduce(ReduceOp op, int[] dims, int[] axes, boolean keepDims) {
        Pair x = random(41, dims);
        assertClose(REF.reduce(op, x.ref(), axes, keepDims), dnnl.reduce(op, x.dnnl(), axes, keepDims), 1e-5, 1e-5,
                "reduce " + op + " " + Arrays.toString(axes));
    }

    @Test
    void reduceEmptyTensor() {
        Pair x = Pair.of(new float[0], 0, 3);
        for (ReduceOp op : ReduceOp.values()) {
            assertClose(REF.reduce(op, x.ref(), new int[]{0}, false), dnnl.reduce(op, x.dnnl(), new int[]{0}, false), "reduce " + op + " of empty");
        }
    }

    static Stream<Arguments> argmaxCases() {
        return Stream.of(Arguments.of(new int[]{7, 31}, 1), Arguments.of(new int[]{7, 31}, 0), Arguments.of(new int[]{3, 7, 5}, 1),
                Arguments.of(new int[]{1}, 0), Arguments.of(new int[]{3, 7, 5}, -1));
    }

    @ParameterizedTest(name = "{0} axis {1}")
    @MethodSource("argmaxCases")
    void argmaxPicksFirstMaximum(int[] dims, int axis) {
        Pair ties = Pair.of(levels(42, size(dims), 3), dims);
        assertIdentical(REF.argmax(ties.ref(), axis), dnnl.argmax(ties.dnnl(), axis), "argmax with ties");
        Pair x = random(43, dims);
        assertIdentical(REF.argmax(x.ref(), axis), dnnl.argmax(x.dnnl(), axis), "argmax");
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
        assertIdentical(REF.broadcastTo(x.ref(), Shape.of(to)), dnnl.broadcastTo(x.dnnl(), Shape.of(to)), "broadcastTo");
        for (DType dt : new DType[]{DType.INT32, DType.INT64}) {
            long[] v = new long[size(from)];
            for (int i = 0; i < v.length; i++) v[i] = (i * 7919L) % 1000 - 500 + (dt == DType.INT64 ? 1L << 40 : 0);
            Tensor r = REF.broadcastTo(ints(REF, dt, v, from), Shape.of(to));
            assertIdentical(r, dnnl.broadcastTo(ints(dnnl, dt, v, from), Shape.of(to)), "broadcastTo " + dt);
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
        Pair x = Pair.of(uniform(45, size(dims), -8, 8), dims);
        assertClose(REF.softmax(x.ref(), axis), dnnl.softmax(x.dnnl(), axis), "softmax");
        assertClose(REF.logSoftmax(x.ref(), axis), dnnl.logSoftmax(x.dnnl(), axis), "logSoftmax");
        Tensor yRef = REF.logSoftmax(x.ref(), axis);
        Pair gy = random(46, dims);
        Tensor yDnnl = yRef.to(dnnl);
        assertClose(REF.logSoftmaxBackward(gy.ref(), yRef, axis), dnnl.logSoftmaxBackward(gy.dnnl(), yDnnl, axis), "logSoftmaxBackward");
    }

    @Test
    void softmaxOfLargeLogitsIsStable() {
        float[] v = {1000f, 999f, -1000f, 0f, 88f, 89f};
        Pair x = Pair.of(v, 2, 3);
        assertClose(REF.softmax(x.ref(), 1), dnnl.softmax(x.dnnl(), 1), "softmax");
        assertClose(REF.logSoftmax(x.ref(), 1), dnnl.logSoftmax(x.dnnl(), 1), "logSoftmax");
        assertArrayEquals(new long[]{0, 2}, dnnl.argmax(x.dnnl(), 1).toLongArray());
    }
}
