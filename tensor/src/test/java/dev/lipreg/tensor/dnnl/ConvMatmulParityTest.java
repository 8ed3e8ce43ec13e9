package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/** matmul, linear, conv2d and its two backward passes against the reference backend (error relative to output scale). */
class ConvMatmulParityTest extends DnnlTestSupport {

    static Stream<Arguments> matmulCases() {
        int[][] mkn = {{1, 1, 1}, {3, 7, 31}, {31, 3, 7}, {7, 31, 1}, {1, 31, 3}, {128, 313, 10}};
        return Stream.of(mkn).flatMap(s -> Stream.of(
                Arguments.of(s[0], s[1], s[2], false, false), Arguments.of(s[0], s[1], s[2], true, false),
                Arguments.of(s[0], s[1], s[2], false, true), Arguments.of(s[0], s[1], s[2], true, true)));
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("matmulCases")
    void matmul(int m, int k, int n, boolean transA, boolean transB) {
        Pair a = transA ? random(51, k, m) : random(51, m, k);
        Pair b = transB ? random(52, n, k) : random(52, k, n);
        assertScaled(REF.matmul(a.ref(), b.ref(), transA, transB), dnnl.matmul(a.dnnl(), b.dnnl(), transA, transB), "matmul");
    }

    static Stream<Arguments> linearCases() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 7, 31), Arguments.of(31, 3, 7), Arguments.of(128, 3136, 128),
                Arguments.of(7, 128, 10));
    }

    @ParameterizedTest(name = "[{0},{1}] -> {2}")
    @MethodSource("linearCases")
    void linear(int n, int in, int out) {
        Pair x = random(53, n, in), w = random(54, out, in), b = random(55, out);
        assertScaled(REF.linear(x.ref(), w.ref(), b.ref()), dnnl.linear(x.dnnl(), w.dnnl(), b.dnnl()), "linear");
        assertScaled(REF.linear(x.ref(), w.ref(), null), dnnl.linear(x.dnnl(), w.dnnl(), null), "linear without bias");
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
                new ConvCase("fashion conv2", new int[]{2, 32, 14, 14}, new int[]{64, 32, 3, 3}, Conv2dSpec.of(1, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2d(ConvCase c) {
        Pair x = random(61, c.x()), w = random(62, c.w()), b = random(63, c.w()[0]);
        assertScaled(REF.conv2d(x.ref(), w.ref(), b.ref(), c.spec()), dnnl.conv2d(x.dnnl(), w.dnnl(), b.dnnl(), c.spec()), "conv2d + bias");
        assertScaled(REF.conv2d(x.ref(), w.ref(), null, c.spec()), dnnl.conv2d(x.dnnl(), w.dnnl(), null, c.spec()), "conv2d");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardData(ConvCase c) {
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair gy = random(64, y.dims()), w = random(65, c.w());
        Tensor expected = REF.conv2dBackwardData(gy.ref(), w.ref(), Shape.of(c.x()), c.spec());
        assertScaled(expected, dnnl.conv2dBackwardData(gy.dnnl(), w.dnnl(), Shape.of(c.x()), c.spec()), "conv2dBackwardData");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardWeights(ConvCase c) {
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair x = random(66, c.x()), gy = random(67, y.dims());
        Tensor expected = REF.conv2dBackwardWeights(x.ref(), gy.ref(), Shape.of(c.w()), c.spec());
        assertScaled(expected, dnnl.conv2dBackwardWeights(x.dnnl(), gy.dnnl(), Shape.of(c.w()), c.spec()), "conv2dBackwardWeights");
    }
}
