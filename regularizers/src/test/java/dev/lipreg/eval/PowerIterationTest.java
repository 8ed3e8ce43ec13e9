package dev.lipreg.eval;

import dev.lipreg.attacks.RandomTensors;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.dnnl.DnnlBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power iteration on the true operators (applied with the backend's kernels)
 * against σ_max of the operator written out as a matrix, float64.
 */
class PowerIterationTest {
    static final Backend REF = Backends.reference();
    static final PowerIteration TIGHT = new PowerIteration(20000, 1e-12, 3);

    static Tensor gaussian(Shape s, long seed) {
        return RandomTensors.gaussian(REF, DType.FLOAT64, s, new SplittableRandom(seed));
    }

    static void matches(LinearOperator op, String what) {
        double exact = ExplicitMatrix.sigmaMax(ExplicitMatrix.of(op));
        PowerIteration.Estimate e = TIGHT.sigmaMax(op);
        System.out.printf("%-32s sigma_max %.12f, power iteration %.12f after %d iterations%n", what, exact, e.sigma(), e.iterations());
        assertTrue(e.converged(), what);
        assertEquals(exact, e.sigma(), 1e-6 * exact, what);
        assertTrue(e.sigma() <= exact * (1 + 1e-12), what + ": power iteration overshoots");
    }

    @Test
    void stridedPaddedConvolution() {
        try (Scope s = Scope.open()) {
            Tensor w = gaussian(Shape.of(3, 2, 3, 3), 1);
            matches(LinearOperator.conv2d(w, Conv2dSpec.of(2, 1), Shape.of(1, 2, 5, 6), null), "conv stride 2 padding 1");
        }
    }

    @Test
    void groupedConvolutionWithChannelScale() {
        try (Scope s = Scope.open()) {
            Tensor w = gaussian(Shape.of(4, 1, 3, 3), 2);
            Tensor scale = REF.fromArray(new double[]{0.5, -2, 1.5, 0.1}, Shape.of(4));
            matches(LinearOperator.conv2d(w, new Conv2dSpec(1, 2, 1, 0, 1, 1, 2), Shape.of(1, 2, 4, 5), scale), "grouped conv, scaled channels");
        }
    }

    @Test
    void linearAndAveragePooling() {
        try (Scope s = Scope.open()) {
            matches(LinearOperator.linear(gaussian(Shape.of(5, 9), 3)), "linear 9->5");
            matches(LinearOperator.avgPool2d(Pool2dSpec.of(3, 2, 1), Shape.of(1, 2, 5, 5), REF, DType.FLOAT64), "avg pool 3x3 stride 2 pad 1");
        }
    }

    @Test
    void adjointIsTheTranspose() {
        try (Scope s = Scope.open()) {
            LinearOperator op = LinearOperator.conv2d(gaussian(Shape.of(3, 2, 3, 3), 4), Conv2dSpec.of(2, 1), Shape.of(1, 2, 5, 6), null);
            Tensor x = gaussian(op.inputShape(), 5);
            Tensor ax = op.apply(x);
            Tensor y = gaussian(ax.shape(), 6);
            double lhs = REF.reduce(ReduceOp.SUM, REF.binary(BinaryOp.MUL, ax, y), new int[0], false).item();
            double rhs = REF.reduce(ReduceOp.SUM, REF.binary(BinaryOp.MUL, x, op.adjoint(y)), new int[0], false).item();
            assertEquals(lhs, rhs, 1e-12 * Math.abs(lhs));
        }
    }

    @Test
    void oneDnnFloat32AgreesWithTheReference() {
        Assumptions.assumeTrue(DnnlBackend.availability().available(), "oneDNN unavailable");
        Backend dnnl = Backends.byName("dnnl");
        try (Scope s = Scope.open()) {
            Tensor w = gaussian(Shape.of(8, 4, 3, 3), 7);
            Shape in = Shape.of(1, 4, 9, 9);
            double ref = TIGHT.sigmaMax(LinearOperator.conv2d(w, Conv2dSpec.of(2, 1), in, null)).sigma();
            Tensor w32 = dnnl.fromArray(REF.cast(w, DType.FLOAT32).toFloatArray(), w.shape());
            PowerIteration.Estimate e = PowerIteration.defaults().sigmaMax(LinearOperator.conv2d(w32, Conv2dSpec.of(2, 1), in, null));
            assertEquals(ref, e.sigma(), 1e-4 * ref);
        }
    }
}
