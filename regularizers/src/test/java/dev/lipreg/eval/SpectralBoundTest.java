package dev.lipreg.eval;

import dev.lipreg.attacks.RandomTensors;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sound layer bounds against σ_max of the true operator written out as a
 * matrix (columns = the backend's conv/pool applied to basis images, σ_max by
 * Jacobi), float64: never below, and how far above (printed; the asserted
 * ceilings are what these layers need, with room).
 */
class SpectralBoundTest {
    static final Backend REF = Backends.reference();

    static Tensor gaussian(Shape s, long seed) {
        return RandomTensors.gaussian(REF, DType.FLOAT64, s, new SplittableRandom(seed));
    }

    /** Asserts exact ≤ bound ≤ ceiling·exact and returns bound/exact. */
    static double bounds(LinearOperator op, double bound, double ceiling, String what) {
        double exact = ExplicitMatrix.sigmaMax(ExplicitMatrix.of(op));
        double ratio = bound / exact;
        System.out.printf("%-44s sigma_max %.9f  bound %.9f  ratio %.5f%n", what, exact, bound, ratio);
        assertTrue(bound >= exact * (1 - 1e-12), what + ": bound " + bound + " below sigma_max " + exact);
        assertTrue(ratio <= ceiling, what + ": bound " + ratio + "x sigma_max, expected at most " + ceiling);
        return ratio;
    }

    static double conv(Shape w, Conv2dSpec spec, Shape in, Tensor scale, long seed, double ceiling, String what) {
        Tensor weight = gaussian(w, seed);
        return bounds(LinearOperator.conv2d(weight, spec, in, scale), SpectralBound.conv2d(weight, spec, in, scale), ceiling, what);
    }

    @Test
    void paddedConvolutions() {
        try (Scope s = Scope.open()) {
            for (long seed = 1; seed <= 4; seed++) {
                conv(Shape.of(4, 3, 3, 3), Conv2dSpec.of(1, 1), Shape.of(1, 3, 6, 6), null, seed, 1.5, "conv 3x3 padding 1, seed " + seed);
            }
            conv(Shape.of(3, 2, 3, 3), Conv2dSpec.of(1, 0), Shape.of(1, 2, 6, 5), null, 5, 1.5, "conv 3x3 no padding");
            conv(Shape.of(2, 3, 5, 5), Conv2dSpec.of(1, 2), Shape.of(1, 3, 5, 5), null, 6, 1.5, "conv 5x5 padding 2");
            conv(Shape.of(3, 2, 1, 1), Conv2dSpec.of(1, 0), Shape.of(1, 2, 4, 4), null, 7, 1 + 1e-6, "conv 1x1 (exact: the channel matrix)");
        }
    }

    @Test
    void stridedDilatedAndGroupedConvolutions() {
        try (Scope s = Scope.open()) {
            conv(Shape.of(3, 2, 3, 3), Conv2dSpec.of(2, 1), Shape.of(1, 2, 5, 6), null, 11, 2, "conv stride 2 padding 1");
            conv(Shape.of(4, 2, 1, 1), Conv2dSpec.of(2, 0), Shape.of(1, 2, 6, 6), null, 12, 1 + 1e-6, "conv 1x1 stride 2 (projection shortcut)");
            conv(Shape.of(3, 2, 3, 3), new Conv2dSpec(1, 1, 2, 2, 2, 2, 1), Shape.of(1, 2, 6, 6), null, 13, 2, "conv dilation 2 padding 2");
            conv(Shape.of(4, 1, 3, 3), new Conv2dSpec(1, 2, 1, 0, 1, 1, 2), Shape.of(1, 2, 4, 5), null, 14, 2, "grouped conv, stride 1x2, padding 1x0");
            conv(Shape.of(6, 1, 3, 3), new Conv2dSpec(2, 2, 1, 1, 1, 1, 3), Shape.of(1, 3, 6, 6), null, 15, 2, "depthwise conv stride 2");
            conv(Shape.of(4, 2, 3, 3), new Conv2dSpec(2, 1, 1, 2, 2, 1, 2), Shape.of(1, 4, 7, 5), null, 16, 2, "grouped, dilated, strided");
        }
    }

    @Test
    void convolutionWithFoldedBatchNorm() {
        try (Scope s = Scope.open()) {
            Tensor scale = REF.fromArray(new double[]{0.5, -2, 1.5, 0.1}, Shape.of(4));
            conv(Shape.of(4, 3, 3, 3), Conv2dSpec.of(1, 1), Shape.of(1, 3, 5, 5), scale, 21, 1.5, "conv + batch-norm scale");
            conv(Shape.of(4, 1, 3, 3), new Conv2dSpec(1, 2, 1, 0, 1, 1, 2), Shape.of(1, 2, 4, 5), scale, 22, 2, "grouped conv + batch-norm scale");
        }
    }

    @Test
    void denseLayersAreTight() {
        try (Scope s = Scope.open()) {
            for (int[] d : new int[][]{{3, 20}, {20, 3}, {12, 12}, {1, 9}}) {
                Tensor w = gaussian(Shape.of(d[0], d[1]), d[0] * 100L + d[1]);
                double r = bounds(LinearOperator.linear(w), SpectralBound.linear(w), 1.01, "dense " + d[0] + "x" + d[1]);
                assertTrue(r >= 1);
            }
            // repeated top singular value: the Gram iteration's worst case, n^(1/2^(T+1)) above
            double[] identity = new double[16 * 16];
            for (int i = 0; i < 16; i++) identity[i * 16 + i] = 3;
            double b = SpectralBound.matrix(identity, 16, 16);
            assertTrue(b >= 3 && b <= 3 * Math.pow(16, 1.0 / (1 << (SpectralBound.GRAM_STEPS + 1))) * SpectralBound.ROUNDING_MARGIN, "3·I: " + b);
        }
    }

    @Test
    void averagePooling() {
        try (Scope s = Scope.open()) {
            Shape in = Shape.of(1, 2, 6, 6);
            for (Pool2dSpec p : new Pool2dSpec[]{Pool2dSpec.of(2), Pool2dSpec.of(3, 1, 1), Pool2dSpec.of(3, 2, 1), new Pool2dSpec(3, 2, 2, 1, 1, 0, false)}) {
                bounds(LinearOperator.avgPool2d(p, in, REF, DType.FLOAT64), SpectralBound.avgPool2d(p, in), 1.5, "avg pool " + p);
            }
            assertEquals(0.5, SpectralBound.avgPool2d(Pool2dSpec.of(2), in), 1e-8);
        }
    }

    @Test
    void zeroWeightsBoundZero() {
        try (Scope s = Scope.open()) {
            assertEquals(0, SpectralBound.conv2d(REF.full(Shape.of(2, 2, 3, 3), DType.FLOAT64, 0), Conv2dSpec.of(1, 1), Shape.of(1, 2, 4, 4), null));
            assertEquals(0, SpectralBound.matrix(new double[6], 2, 3));
        }
    }
}
