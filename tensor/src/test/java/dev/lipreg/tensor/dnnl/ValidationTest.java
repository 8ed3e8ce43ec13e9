package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is rejected with messages naming the op and the shapes; foreign tensors and FLOAT64 are refused. */
class ValidationTest extends DnnlTestSupport {

    static Tensor t(int... dims) {
        return dnnl.full(Shape.of(dims), DType.FLOAT32, 1);
    }

    /** {what, call, fragments the message must contain}. */
    static Stream<Arguments> badShapes() {
        return Stream.of(
                bad("matmul inner", () -> dnnl.matmul(t(3, 4), t(5, 6), false, false), "matmul", "[3, 4]", "[5, 6]"),
                bad("matmul rank", () -> dnnl.matmul(t(3, 4, 1), t(4, 6), false, false), "matmul", "[3, 4, 1]"),
                bad("linear features", () -> dnnl.linear(t(2, 4), t(3, 5), t(3)), "linear", "[2, 4]", "[3, 5]"),
                bad("linear bias", () -> dnnl.linear(t(2, 4), t(3, 4), t(4)), "linear", "bias", "[4]"),
                bad("binary broadcast", () -> dnnl.binary(BinaryOp.ADD, t(3, 4), t(5)), "binary ADD", "[3, 4]", "[5]"),
                bad("unaryBackward shapes", () -> dnnl.unaryBackward(UnaryOp.RELU, t(3), t(4), 0), "unaryBackward RELU", "[3]", "[4]"),
                bad("clamp bounds", () -> dnnl.clamp(t(3), 1, 0), "clamp"),
                bad("conv channels", () -> dnnl.conv2d(t(1, 3, 7, 7), t(4, 2, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "[4, 2, 3, 3]", "[1, 3, 7, 7]"),
                bad("conv groups", () -> dnnl.conv2d(t(1, 6, 7, 7), t(4, 2, 3, 3), null, Conv2dSpec.of(1, 0, 1, 4)), "conv2d", "groups"),
                bad("conv kernel too large", () -> dnnl.conv2d(t(1, 1, 2, 2), t(1, 1, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "larger"),
                bad("conv bias", () -> dnnl.conv2d(t(1, 1, 7, 7), t(4, 1, 3, 3), t(3), Conv2dSpec.of(1, 0)), "conv2d", "bias", "[3]"),
                bad("conv rank", () -> dnnl.conv2d(t(1, 7, 7), t(4, 1, 3, 3), null, Conv2dSpec.of(1, 0)), "conv2d", "[1, 7, 7]"),
                bad("conv backward data", () -> dnnl.conv2dBackwardData(t(1, 4, 4, 4), t(4, 1, 3, 3), Shape.of(1, 1, 7, 7), Conv2dSpec.of(1, 0)),
                        "conv2dBackwardData", "[1, 4, 4, 4]", "[1, 4, 5, 5]"),
                bad("conv backward weights", () -> dnnl.conv2dBackwardWeights(t(1, 1, 7, 7), t(1, 4, 4, 4), Shape.of(4, 1, 3, 3), Conv2dSpec.of(1, 0)),
                        "conv2dBackwardWeights", "[1, 4, 4, 4]"),
                bad("pool rank", () -> dnnl.maxPool2d(t(7, 7), Pool2dSpec.of(2)), "pool2d", "[7, 7]"),
                bad("pool window", () -> dnnl.avgPool2d(t(1, 1, 1, 1), Pool2dSpec.of(2)), "pool2d", "larger"),
                bad("avg pool backward", () -> dnnl.avgPool2dBackward(t(1, 1, 2, 2), Shape.of(1, 1, 6, 6), Pool2dSpec.of(2)),
                        "avgPool2dBackward", "[1, 1, 2, 2]", "[1, 1, 3, 3]"),
                bad("max pool indices dtype", () -> dnnl.maxPool2dBackward(t(1, 1, 2, 2), t(1, 1, 2, 2), Shape.of(1, 1, 4, 4), Pool2dSpec.of(2)),
                        "maxPool2dBackward", "INT32", "FLOAT32[1, 1, 2, 2]"),
                bad("max pool gather shape", () -> dnnl.maxPool2dGather(t(1, 1, 4, 4), dnnl.full(Shape.of(1, 1, 3, 3), DType.INT32, 0), Pool2dSpec.of(2)),
                        "maxPool2dGather", "[1, 1, 2, 2]", "[1, 1, 3, 3]"),
                bad("max pool index range", () -> dnnl.maxPool2dGather(t(1, 1, 4, 4), dnnl.full(Shape.of(1, 1, 2, 2), DType.INT32, 16), Pool2dSpec.of(2)),
                        "maxPool2dGather", "index 16"),
                bad("reduce axis", () -> dnnl.reduce(ReduceOp.SUM, t(3, 4), new int[]{2}, false), "reduce SUM", "[3, 4]"),
                bad("reduce repeated axis", () -> dnnl.reduce(ReduceOp.MAX, t(3, 4), new int[]{1, -1}, false), "reduce MAX", "repeated"),
                bad("argmax axis", () -> dnnl.argmax(t(3, 4), 3), "argmax", "[3, 4]"),
                bad("softmax axis", () -> dnnl.softmax(t(3, 4), -3), "softmax", "[3, 4]"),
                bad("logSoftmaxBackward shapes", () -> dnnl.logSoftmaxBackward(t(3, 4), t(4, 3), 1), "logSoftmaxBackward", "[3, 4]", "[4, 3]"),
                bad("batch norm channels", () -> dnnl.batchNormTraining(t(2, 3, 4), t(4), t(3), 1e-5), "batchNormTraining", "[4]", "[2, 3, 4]"),
                bad("batch norm rank", () -> dnnl.batchNormInference(t(3), t(3), t(3), t(3), t(3), 1e-5), "batchNormInference", "[3]"),
                bad("broadcastTo", () -> dnnl.broadcastTo(t(3, 2), Shape.of(3, 4)), "broadcastTo", "[3, 2]", "[3, 4]"),
                bad("permute", () -> dnnl.permute(t(2, 3, 4), 0, 1), "permute", "[2, 3, 4]"),
                bad("permute repeated", () -> dnnl.permute(t(2, 3), 1, 1), "permute", "repeated"),
                bad("slice range", () -> dnnl.slice(t(2, 3), 1, 2, 4), "slice", "[2, 3]"),
                bad("concat shapes", () -> dnnl.concat(List.of(t(2, 3), t(3, 3)), 1), "concat", "[3, 3]", "[2, 3]"),
                bad("concat none", () -> dnnl.concat(List.of(), 0), "concat"),
                bad("oneHot label", () -> dnnl.oneHot(Tensor.ofLabels(dnnl, new long[]{1, 10}), 10, DType.FLOAT32), "oneHot", "label 10"),
                bad("oneHot float labels", () -> dnnl.oneHot(t(3), 10, DType.FLOAT32), "oneHot", "FLOAT32[3]"),
                bad("integer compute", () -> dnnl.unary(UnaryOp.EXP, dnnl.full(Shape.of(3), DType.INT32, 1)), "unary EXP", "INT32[3]"),
                bad("fromHost size", () -> dnnl.fromHost(MemorySegment.ofArray(new float[5]), Shape.of(2, 3), DType.FLOAT32), "fromHost", "20 bytes", "[2, 3]"),
                bad("copyInto", () -> dnnl.copyInto(t(2, 3), t(3, 2)), "copyInto", "[2, 3]", "[3, 2]"));
    }

    static Arguments bad(String what, Executable call, String... fragments) {
        return Arguments.of(what, call, fragments);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badShapes")
    void rejectsBadInput(String what, Executable call, String[] fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), what + ": message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void float64IsRefusedWithAdvice() {
        assertFalse(dnnl.supports(DType.FLOAT64));
        assertTrue(dnnl.supports(DType.FLOAT32) && dnnl.supports(DType.INT32) && dnnl.supports(DType.INT64));
        String advice = "dnnl backend computes in FLOAT32; use the reference backend for FLOAT64";
        List<Executable> calls = List.of(
                () -> dnnl.empty(Shape.of(2), DType.FLOAT64),
                () -> dnnl.full(Shape.of(2), DType.FLOAT64, 1),
                () -> dnnl.fromArray(new double[]{1, 2}, Shape.of(2)),
                () -> dnnl.cast(t(2), DType.FLOAT64),
                () -> dnnl.oneHot(Tensor.ofLabels(dnnl, new long[]{1}), 3, DType.FLOAT64),
                () -> Tensor.of(REF, new double[]{1, 2}, 2).to(dnnl));
        for (Executable c : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c);
            assertTrue(e.getMessage().contains(advice), e.getMessage());
        }
    }

    @Test
    void tensorsOfOtherBackendsAreRefused() {
        Tensor ref = Tensor.of(REF, new float[]{1, 2, 3}, 3);
        Tensor mine = t(3);
        List<Executable> calls = List.of(
                () -> dnnl.unary(UnaryOp.RELU, ref),
                () -> dnnl.binary(BinaryOp.ADD, mine, ref),
                () -> dnnl.copy(ref),
                () -> dnnl.toHost(ref),
                () -> dnnl.copyInto(mine, ref),
                () -> dnnl.matmul(ref.reshape(1, 3), mine.reshape(3, 1), false, false),
                () -> dnnl.concat(List.of(mine, ref), 0));
        for (Executable c : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c);
            assertTrue(e.getMessage().contains("belongs to backend 'reference'"), e.getMessage());
        }
        try (DnnlBackend other = DnnlBackend.create()) {
            Tensor theirs = other.full(Shape.of(3), DType.FLOAT32, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dnnl.unary(UnaryOp.RELU, theirs));
            assertTrue(e.getMessage().contains("another instance"), e.getMessage());
        }
    }

    @Test
    void ownedInstanceWorksUntilClosed() {
        DnnlBackend own = DnnlBackend.create();
        Tensor x = Tensor.of(own, new float[]{-1, 2}, 2);
        assertEquals(List.of(0.0, 2.0), java.util.Arrays.stream(own.unary(UnaryOp.RELU, x).toDoubleArray()).boxed().toList());
        assertTrue(own.cachedPrimitives() > 0);
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.unary(UnaryOp.RELU, x));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void backendsChoosesDnnl() {
        assertSame(dnnl, Backends.byName("dnnl"));
        assertSame(dnnl, Backends.byName("DNNL"));
        assertSame(dnnl, Backends.auto());
        assertEquals("dnnl", dnnl.name());
    }

    @Test
    void maxPoolRejectsForeignIndices() {
        MaxPoolResult r = REF.maxPool2d(Tensor.of(REF, new float[16], 1, 1, 4, 4), Pool2dSpec.of(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dnnl.maxPool2dBackward(t(1, 1, 2, 2), r.indices(), Shape.of(1, 1, 4, 4), Pool2dSpec.of(2)));
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }
}
