package dev.lipreg.autograd;

import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.lipreg.autograd.OpCase.in;
import static dev.lipreg.autograd.OpCase.of;
import static dev.lipreg.autograd.OpCase.positive;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** First- and second-order gradient checks of every differentiable op. */
class OpsGradCheckTest {

    static Stream<OpCase> ops() {
        Conv2dSpec plain = Conv2dSpec.of(1, 1);
        Conv2dSpec strided = new Conv2dSpec(2, 1, 0, 1, 1, 1, 1);
        Conv2dSpec dilatedGrouped = Conv2dSpec.of(1, 2, 2, 2);
        Pool2dSpec pool2 = Pool2dSpec.of(2);
        Pool2dSpec pool3 = Pool2dSpec.of(3, 2, 1);
        Pool2dSpec avgNoPad = new Pool2dSpec(3, 3, 2, 2, 1, 1, false);
        return Stream.of(
                of("add broadcast", v -> Ops.add(v.get(0), v.get(1)), in(2, 3), in(3)),
                of("add both broadcast", v -> Ops.add(v.get(0), v.get(1)), in(2, 1, 4), in(3, 1)),
                of("sub", v -> Ops.sub(v.get(0), v.get(1)), in(2, 3), in(2, 1)),
                of("mul", v -> Ops.mul(v.get(0), v.get(1)), in(3, 4), in(1, 4)),
                of("div", v -> Ops.div(v.get(0), v.get(1)), in(3, 4), positive(4)),
                of("maximum", v -> Ops.maximum(v.get(0), v.get(1)), in(3, 4), in(3, 4)),
                of("minimum", v -> Ops.minimum(v.get(0), v.get(1)), in(3, 4), in(4)),
                of("affine", v -> Ops.affine(v.get(0), -2.5, 0.3), in(5)),
                of("exp", v -> Ops.exp(v.get(0)), in(2, 3)),
                of("log", v -> Ops.log(v.get(0)), positive(2, 3)),
                of("sqrt", v -> Ops.sqrt(v.get(0)), positive(2, 3)),
                of("square", v -> Ops.square(v.get(0)), in(2, 3)),
                of("reciprocal", v -> Ops.reciprocal(v.get(0)), positive(2, 3)),
                of("abs", v -> Ops.abs(v.get(0)), in(2, 3)),
                of("relu", v -> Ops.relu(v.get(0)), in(3, 4)),
                of("leaky_relu", v -> Ops.leakyRelu(v.get(0), 0.1), in(3, 4)),
                of("relu_backward", v -> Ops.activationBackward(UnaryOp.RELU, v.get(0), v.get(1), 0), in(3, 4), in(3, 4)),
                of("leaky_relu_backward", v -> Ops.activationBackward(UnaryOp.LEAKY_RELU, v.get(0), v.get(1), 0.2), in(3, 4), in(3, 4)),
                of("elu", v -> Ops.elu(v.get(0), 1.3), in(3, 4)),
                of("softplus", v -> Ops.softplus(v.get(0)), in(3, 4)),
                of("tanh", v -> Ops.tanh(v.get(0)), in(3, 4)),
                of("sigmoid", v -> Ops.sigmoid(v.get(0)), in(3, 4)),
                of("clamp", v -> Ops.clamp(v.get(0), -0.5, 0.6), in(3, 4)),
                of("sum all", v -> Ops.sum(v.get(0)), in(2, 3, 4)),
                of("sum axes", v -> Ops.sum(v.get(0), false, 0, 2), in(2, 3, 4)),
                of("sum keepdims", v -> Ops.sum(v.get(0), true, 1), in(2, 3, 4)),
                of("mean", v -> Ops.mean(v.get(0), false, -1), in(2, 3, 4)),
                of("max", v -> Ops.max(v.get(0), false, 1), in(3, 5)),
                of("max all", v -> Ops.max(v.get(0), false), in(3, 5)),
                of("min", v -> Ops.min(v.get(0), true, 0), in(3, 5)),
                of("norm l1", v -> Ops.normL1(v.get(0), false, 1, 2), in(3, 2, 4)),
                of("norm l2", v -> Ops.normL2(v.get(0), false, 1, 2), in(3, 2, 4)),
                of("norm linf", v -> Ops.normLinf(v.get(0), false, 1), in(3, 6)),
                of("reshape", v -> Ops.mul(Ops.reshape(v.get(0), 6, 2), Ops.reshape(v.get(0), 6, 2)), in(3, 4)),
                of("broadcast_to", v -> Ops.mul(Ops.broadcastTo(v.get(0), Shape.of(2, 3, 4)), Ops.broadcastTo(v.get(0), Shape.of(2, 3, 4))), in(3, 1)),
                of("permute", v -> Ops.square(Ops.permute(v.get(0), 2, 0, 1)), in(2, 3, 4)),
                of("slice", v -> Ops.square(Ops.slice(v.get(0), 1, 1, 3)), in(2, 4, 2)),
                of("concat", v -> Ops.square(Ops.concat(List.of(v.get(0), v.get(1)), 1)), in(2, 3), in(2, 2)),
                of("matmul", v -> Ops.matmul(v.get(0), v.get(1), false, false), in(3, 4), in(4, 2)),
                of("matmul a·bᵀ", v -> Ops.matmul(v.get(0), v.get(1), false, true), in(3, 4), in(2, 4)),
                of("matmul aᵀ·b", v -> Ops.matmul(v.get(0), v.get(1), true, false), in(4, 3), in(4, 2)),
                of("matmul aᵀ·bᵀ", v -> Ops.matmul(v.get(0), v.get(1), true, true), in(4, 3), in(2, 4)),
                of("linear", v -> Ops.linear(v.get(0), v.get(1), v.get(2)), in(3, 5), in(2, 5), in(2)),
                of("linear no bias", v -> Ops.linear(v.get(0), v.get(1), null), in(3, 5), in(2, 5)),
                of("conv2d", v -> Ops.conv2d(v.get(0), v.get(1), v.get(2), plain), in(2, 2, 4, 4), in(3, 2, 3, 3), in(3)),
                of("conv2d strided", v -> Ops.conv2d(v.get(0), v.get(1), null, strided), in(1, 2, 5, 4), in(2, 2, 3, 2)),
                of("conv2d dilated grouped", v -> Ops.conv2d(v.get(0), v.get(1), v.get(2), dilatedGrouped), in(1, 4, 5, 5), in(2, 2, 3, 3), in(2)),
                of("conv2d_backward_data", v -> Ops.conv2dBackwardData(v.get(0), v.get(1), Shape.of(1, 2, 5, 4), strided), in(1, 2, 2, 5), in(2, 2, 3, 2)),
                of("conv2d_backward_weights", v -> Ops.conv2dBackwardWeights(v.get(0), v.get(1), Shape.of(2, 2, 3, 2), strided), in(1, 2, 5, 4), in(1, 2, 2, 5)),
                of("max_pool2d", v -> Ops.maxPool2d(v.get(0), pool2), in(2, 2, 4, 4)),
                of("max_pool2d overlapping padded", v -> Ops.maxPool2d(v.get(0), pool3), in(1, 2, 5, 5)),
                of("avg_pool2d", v -> Ops.avgPool2d(v.get(0), pool3), in(1, 2, 5, 5)),
                of("avg_pool2d_backward", v -> Ops.avgPool2dBackward(v.get(0), Shape.of(1, 2, 5, 5), pool3), in(1, 2, 3, 3)),
                of("avg_pool2d exclude pad", v -> Ops.avgPool2d(v.get(0), avgNoPad), in(1, 2, 5, 4)),
                of("global_avg_pool", v -> Ops.globalAvgPool(v.get(0)), in(2, 3, 3, 2)),
                of("softmax", v -> Ops.softmax(v.get(0), 1), in(3, 4)),
                of("log_softmax", v -> Ops.logSoftmax(v.get(0), -1), in(3, 4)),
                of("log_softmax_backward", v -> Ops.logSoftmaxBackward(v.get(0), Ops.logSoftmax(v.get(1), 1), 1), in(3, 4), in(3, 4)),
                of("batch_norm", v -> Ops.batchNorm(v.get(0), v.get(1), v.get(2), 1e-5).output(), in(4, 3, 2, 2), in(3), in(3)),
                of("batch_norm 2d input", v -> Ops.batchNorm(v.get(0), v.get(1), v.get(2), 1e-3).output(), in(5, 3), in(3), in(3)),
                of("max_pool2d_backward∘gather", v -> maxPoolRoundTrip(v.get(0), v.get(1), pool2), in(1, 2, 4, 4), in(1, 2, 4, 4)),
                of("batch_norm_inference", v -> Ops.batchNormInference(v.get(0), v.get(1), v.get(2),
                        v.get(0).backend().fromArray(new double[]{0.1, -0.2, 0.3}, Shape.of(3)),
                        v.get(0).backend().fromArray(new double[]{0.5, 1.5, 2.0}, Shape.of(3)), 1e-5), in(4, 3, 2, 2), in(3), in(3)),
                of("custom (external tanh)", v -> new ExternalTanh(true).apply(v.get(0)), in(3, 4)),
                of("compare is constant", v -> Ops.mul(v.get(0), Ops.compare(BinaryOp.GT, v.get(0), v.get(1))), in(3, 3), in(3, 3))
        );
    }

    /** Scatter then gather through fixed argmax positions taken from a max-pool of {@code probe}. */
    private static Variable maxPoolRoundTrip(Variable x, Variable probe, Pool2dSpec spec) {
        Tensor indices = probe.backend().maxPool2d(probe.value(), spec).indices();
        Variable pooled = Ops.maxPool2dGather(x, indices, spec);
        return Ops.maxPool2dBackward(Ops.square(pooled), indices, x.shape(), spec);
    }

    /**
     * Every op kind appears in some case above, so it is checked to first and
     * second order. CUSTOM_BACKWARD and BATCH_NORM_BACKWARD are the exceptions by
     * design: each is the recorded gradient of CUSTOM or BATCH_NORM, so that op's
     * second-order check is its first-order check, and its own gradient is third
     * order, which both refuse.
     */
    @Test
    void everyOpHasACase() {
        Set<Op> covered = EnumSet.noneOf(Op.class);
        try (Scope scope = Scope.open()) {
            for (OpCase op : ops().toList()) {
                List<Variable> leaves = op.draw(7).stream().map(Variable::leaf).toList();
                for (Variable v : Autograd.topologicalOrder(List.of(op.f().apply(leaves)))) {
                    if (v.node() != null) covered.add(v.node().op());
                }
            }
        }
        Set<Op> missing = EnumSet.complementOf(EnumSet.copyOf(covered));
        missing.remove(Op.CUSTOM_BACKWARD);
        missing.remove(Op.BATCH_NORM_BACKWARD);
        assertTrue(missing.isEmpty(), "ops without a gradient-check case: " + missing);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void firstOrder(OpCase op) {
        try (Scope scope = Scope.open()) {
            GradCheck.Result r = GradCheck.first(op.f(), op.draw(7));
            assertTrue(r.passed(), op.name() + ": " + r);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void secondOrder(OpCase op) {
        try (Scope scope = Scope.open()) {
            GradCheck.Result r = GradCheck.second(op.f(), op.draw(11));
            assertTrue(r.passed(), op.name() + ": " + r);
        }
    }
}
