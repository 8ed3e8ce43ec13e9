package dev.lipreg.tensor.cuda;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cuBLAS and cuDNN ops against the reference backend with the oneDNN suite's cases
 * (sizes 1..31, non-square kernels, stride 2 and 3, padding 0/1/2, dilation 2, groups,
 * depthwise, the Fashion-MNIST CNN's layers), plus memory and cache growth over training-like
 * steps and lifecycle. GPU only.
 */
@Tag("gpu")
class CudaVendorOpsTest extends CudaTestSupport {
    private static CudaBackend backend;

    @BeforeAll
    static void start() {
        backend = requireGpu();
    }

    @Override
    CudaBackend gpu() {
        return backend;
    }

    static Stream<Arguments> matmulCases() {
        int[][] mkn = {{1, 1, 1}, {3, 7, 31}, {31, 3, 7}, {7, 31, 1}, {1, 31, 3}, {128, 313, 10}, {3, 0, 4}};
        return Stream.of(mkn).flatMap(s -> Stream.of(
                Arguments.of(s[0], s[1], s[2], false, false), Arguments.of(s[0], s[1], s[2], true, false),
                Arguments.of(s[0], s[1], s[2], false, true), Arguments.of(s[0], s[1], s[2], true, true)));
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("matmulCases")
    void matmul(int m, int k, int n, boolean transA, boolean transB) {
        Pair a = transA ? random(51, k, m) : random(51, m, k);
        Pair b = transB ? random(52, n, k) : random(52, k, n);
        assertScaled(REF.matmul(a.ref(), b.ref(), transA, transB), gpu().matmul(a.gpu(), b.gpu(), transA, transB), "matmul");
    }

    static Stream<Arguments> linearCases() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 7, 31), Arguments.of(31, 3, 7), Arguments.of(128, 3136, 128),
                Arguments.of(7, 128, 10));
    }

    @ParameterizedTest(name = "[{0},{1}] -> {2}")
    @MethodSource("linearCases")
    void linear(int n, int in, int out) {
        Pair x = random(53, n, in), w = random(54, out, in), b = random(55, out);
        assertScaled(REF.linear(x.ref(), w.ref(), b.ref()), gpu().linear(x.gpu(), w.gpu(), b.gpu()), "linear");
        assertScaled(REF.linear(x.ref(), w.ref(), null), gpu().linear(x.gpu(), w.gpu(), null), "linear without bias");
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
                new ConvCase("batch 128 conv1", new int[]{128, 1, 28, 28}, new int[]{32, 1, 3, 3}, Conv2dSpec.of(1, 1)),
                new ConvCase("first layer rgb dilated", new int[]{16, 3, 33, 31}, new int[]{8, 3, 3, 3}, new Conv2dSpec(2, 1, 2, 0, 2, 1, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2d(ConvCase c) {
        Pair x = random(61, c.x()), w = random(62, c.w()), b = random(63, c.w()[0]);
        assertScaled(REF.conv2d(x.ref(), w.ref(), b.ref(), c.spec()), gpu().conv2d(x.gpu(), w.gpu(), b.gpu(), c.spec()), "conv2d + bias");
        assertScaled(REF.conv2d(x.ref(), w.ref(), null, c.spec()), gpu().conv2d(x.gpu(), w.gpu(), null, c.spec()), "conv2d");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardData(ConvCase c) {
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair gy = random(64, y.dims()), w = random(65, c.w());
        assertScaled(REF.conv2dBackwardData(gy.ref(), w.ref(), Shape.of(c.x()), c.spec()),
                gpu().conv2dBackwardData(gy.gpu(), w.gpu(), Shape.of(c.x()), c.spec()), "conv2dBackwardData");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void conv2dBackwardWeights(ConvCase c) {
        Shape y = c.spec().outputShape(Shape.of(c.x()), Shape.of(c.w()));
        Pair x = random(66, c.x()), gy = random(67, y.dims());
        assertScaled(REF.conv2dBackwardWeights(x.ref(), gy.ref(), Shape.of(c.w()), c.spec()),
                gpu().conv2dBackwardWeights(x.gpu(), gy.gpu(), Shape.of(c.w()), c.spec()), "conv2dBackwardWeights");
    }

    @Test
    void degenerateConvolutions() {
        Pair x = pair(new float[0], 2, 0, 5, 5), w = pair(new float[0], 3, 0, 3, 3), b = pair(new float[]{1, -2, 3}, 3);
        assertScaled(REF.conv2d(x.ref(), w.ref(), b.ref(), Conv2dSpec.of(1, 1)), gpu().conv2d(x.gpu(), w.gpu(), b.gpu(), Conv2dSpec.of(1, 1)),
                "conv2d without input channels");
    }

    /** Forward and backward of conv → relu → max-pool, as one training step would run them. */
    private void convStep(Tensor x, Tensor w, Tensor b) {
        var g = gpu();
        Conv2dSpec spec = Conv2dSpec.of(1, 1);
        Tensor y = g.conv2d(x, w, b, spec);
        Tensor a = g.unary(UnaryOp.RELU, y);
        MaxPoolResult p = g.maxPool2d(a, Pool2dSpec.of(2));
        assertTrue(Double.isFinite(g.reduce(ReduceOp.SUM, p.values(), new int[0], false).item()));
        Tensor ga = g.maxPool2dBackward(g.full(p.values().shape(), DType.FLOAT32, 1), p.indices(), a.shape(), Pool2dSpec.of(2));
        Tensor gy = g.unaryBackward(UnaryOp.RELU, ga, y, 0);
        g.conv2dBackwardData(gy, w, x.shape(), spec);
        g.conv2dBackwardWeights(x, gy, w.shape(), spec);
        g.reduce(ReduceOp.SUM, gy, new int[]{0, 2, 3}, false);
    }

    @Test
    void repeatedConvStepsDoNotGrowDeviceMemoryOrPlans() {
        try (Scope model = Scope.open()) {
            Tensor x = random(101, 16, 8, 14, 14).gpu(), w = random(102, 16, 8, 3, 3).gpu(), b = random(103, 16).gpu();
            for (int i = 0; i < 3; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            long reserved = gpu().reservedBytes();
            for (int i = 0; i < 50; i++) {
                try (Scope step = Scope.open()) {
                    convStep(x, w, b);
                }
            }
            assertEquals(reserved, gpu().reservedBytes(), "device memory grew over 50 steps after warm-up");
        }
    }

    @Test
    void backendsChoosesCudaByName() {
        assertSame(gpu(), Backends.byName("cuda"));
        assertSame(gpu(), Backends.byName("CUDA"));
        assertEquals("cuda", gpu().name());
        assertTrue(CudaBackend.availability().available());
    }

    @Test
    void ownedInstanceWorksUntilClosed() {
        CudaBackend own = CudaBackend.create();
        Tensor x = Tensor.of(own, new float[]{-1, 2}, 2);
        assertEquals(java.util.List.of(0.0, 2.0), java.util.Arrays.stream(own.unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> gpu().unary(UnaryOp.RELU, x));
        assertTrue(foreign.getMessage().contains("another instance"), foreign.getMessage());
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.unary(UnaryOp.RELU, x));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void trimmingTheSharedInstanceKeepsItUsable() {
        Tensor x = pair(new float[]{-1, 2, -3}, 3).gpu();
        gpu().close(); // shared instance: waits, returns cached memory and conv plans
        assertEquals(java.util.List.of(0.0, 2.0, 0.0), java.util.Arrays.stream(gpu().unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
    }
}
