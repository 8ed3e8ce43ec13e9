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

/**
 * What is particular to oneDNN instances: another instance's tensors, owned instances that
 * close, choice by name. Bad input and refused dtypes are in {@code BackendContract}.
 */
class DnnlInstanceTest extends DnnlTestSupport {

    static Tensor t(int... dims) {
        return dnnl.full(Shape.of(dims), DType.FLOAT32, 1);
    }

    @Test
    void tensorsOfAnotherInstanceAreRefused() {
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
