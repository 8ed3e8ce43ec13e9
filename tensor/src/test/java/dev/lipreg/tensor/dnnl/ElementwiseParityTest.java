package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

/** unary, unaryBackward, binary, affine, clamp against the reference backend. */
class ElementwiseParityTest extends DnnlTestSupport {
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
        Pair x = Pair.of(inputs(op, 11, size(dims)), dims);
        double a = alpha(op);
        assertClose(REF.unary(op, x.ref(), a), dnnl.unary(op, x.dnnl(), a), "unary " + op);
        assertClose(REF.unary(op, x.ref()), dnnl.unary(op, x.dnnl()), "unary " + op + " (alpha 0)");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unaryBackward(UnaryOp op, int[] dims) {
        Pair x = Pair.of(inputs(op, 12, size(dims)), dims);
        Pair gy = random(13, dims);
        double a = alpha(op);
        assertClose(REF.unaryBackward(op, gy.ref(), x.ref(), a), dnnl.unaryBackward(op, gy.dnnl(), x.dnnl(), a),
                "unaryBackward " + op);
    }

    /** Broadcasting in a, in b, in both, scalars, and differing ranks. */
    static final int[][][] BROADCASTS = {
            {{3, 7}, {3, 7}},
            {{3, 7}, {7}},
            {{7}, {3, 7}},
            {{3, 1}, {1, 7}},
            {{2, 3, 1, 5}, {3, 7, 1}},
            {{31, 1, 7}, {1, 3, 1}},
            {{}, {3}},
            {{3}, {}},
            {{31}, {1}},
            {{1}, {1}},
            {{2, 3, 7, 7}, {3, 1, 1}},
    };

    static Stream<Arguments> binaryCases() {
        return Arrays.stream(BinaryOp.values()).flatMap(op -> Arrays.stream(BROADCASTS).map(s -> Arguments.of(op, s[0], s[1])));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("binaryCases")
    void binary(BinaryOp op, int[] a, int[] b) {
        // few levels for comparisons and min/max, so ties occur; divisors kept away from 0
        Pair x = op.isComparison() || op == BinaryOp.MAX || op == BinaryOp.MIN
                ? Pair.of(levels(21, size(a), 3), a) : random(21, a);
        float[] bv = op.isComparison() || op == BinaryOp.MAX || op == BinaryOp.MIN ? levels(22, size(b), 3) : uniform(22, size(b), 0.5, 2);
        if (op == BinaryOp.DIV) for (int i = 0; i < bv.length; i += 2) bv[i] = -bv[i];
        Pair y = Pair.of(bv, b);
        assertClose(REF.binary(op, x.ref(), y.ref()), dnnl.binary(op, x.dnnl(), y.dnnl()), "binary " + op);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void affine(int[] dims) {
        Pair x = random(31, dims);
        assertClose(REF.affine(x.ref(), 0.37, -1.25), dnnl.affine(x.dnnl(), 0.37, -1.25), "affine");
        assertClose(REF.affine(x.ref(), -2, 0), dnnl.affine(x.dnnl(), -2, 0), "affine");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void clamp(int[] dims) {
        Pair x = random(32, dims);
        assertClose(REF.clamp(x.ref(), -0.5, 0.75), dnnl.clamp(x.dnnl(), -0.5, 0.75), "clamp");
        assertClose(REF.clamp(x.ref(), 0, Double.POSITIVE_INFINITY), dnnl.clamp(x.dnnl(), 0, Double.POSITIVE_INFINITY), "clamp");
        assertClose(REF.clamp(x.ref(), 0.25, 0.25), dnnl.clamp(x.dnnl(), 0.25, 0.25), "clamp");
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void emptyTensors(UnaryOp op) {
        Pair x = Pair.of(new float[0], 0, 3);
        assertClose(REF.unary(op, x.ref(), 0), dnnl.unary(op, x.dnnl(), 0), "unary " + op + " of empty");
        assertClose(REF.binary(BinaryOp.ADD, x.ref(), x.ref()), dnnl.binary(BinaryOp.ADD, x.dnnl(), x.dnnl()), "empty add");
        assertClose(REF.broadcastTo(x.ref(), Shape.of(2, 0, 3)), dnnl.broadcastTo(x.dnnl(), Shape.of(2, 0, 3)), "empty broadcast");
    }

    static Stream<int[]> shapes() {
        return Arrays.stream(SHAPES);
    }
}
