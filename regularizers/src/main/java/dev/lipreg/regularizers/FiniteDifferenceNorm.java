package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.Arrays;

/**
 * The tulip estimate of ‖g_i‖ for one norm: a detached direction d_i of unit
 * ℓ2 length along which the directional derivative of the target is the norm
 * (up to a known scale), and the quotient (T(x_i + h·d_i) − T(x_i)) / h.
 * <ul>
 *   <li>ℓ2: d = g/‖g‖₂, gᵀd = ‖g‖₂;</li>
 *   <li>ℓ1: d = sign(g)/√D (tulip's ℓ∞ direction), gᵀd = ‖g‖₁/√D, rescaled by √D;</li>
 *   <li>ℓ∞: d = sign(g)·[|g| = max|g|] / √(ties), gᵀd = ‖g‖∞·√(ties), rescaled by 1/√(ties).</li>
 * </ul>
 * The rescaling makes finite-difference and exact penalties estimate the same
 * number, so they are interchangeable and comparable.
 */
final class FiniteDifferenceNorm {
    private final Tensor direction;  // [N, ...], unit ℓ2 norm per example (0 where g = 0)
    private final Tensor scale;      // [N]

    private FiniteDifferenceNorm(Tensor direction, Tensor scale) {
        this.direction = direction;
        this.scale = scale;
    }

    /** The direction for {@code norm} from the detached gradient g [N, ...]. */
    static FiniteDifferenceNorm of(Norm norm, Tensor g) {
        Backend k = g.backend();
        int n = g.dim(0);
        int[] axes = Norms.featureAxes(g.shape());
        Tensor zero = k.full(Shape.scalar(), g.dtype(), 0);
        return switch (norm) {
            case L2 -> {
                Tensor len = k.reduce(ReduceOp.NORM_L2, g, axes, true);
                Tensor safe = k.binary(BinaryOp.ADD, len, k.binary(BinaryOp.EQ, len, zero));
                yield new FiniteDifferenceNorm(k.binary(BinaryOp.DIV, g, safe), k.full(Shape.of(n), g.dtype(), 1));
            }
            case L1 -> {
                double root = Math.sqrt(g.shape().size() / n);
                Tensor d = k.affine(k.unary(UnaryOp.SIGN, g), 1 / root, 0);
                yield new FiniteDifferenceNorm(d, k.full(Shape.of(n), g.dtype(), root));
            }
            case LINF -> {
                Tensor abs = k.unary(UnaryOp.ABS, g);
                Tensor max = k.reduce(ReduceOp.MAX, abs, axes, true);
                Tensor hit = k.binary(BinaryOp.MUL, k.binary(BinaryOp.EQ, abs, max), k.binary(BinaryOp.GT, max, zero));
                Tensor ties = k.reduce(ReduceOp.SUM, hit, axes, true);
                Tensor root = k.unary(UnaryOp.SQRT, k.binary(BinaryOp.MAX, ties, k.full(Shape.scalar(), g.dtype(), 1)));
                Tensor d = k.binary(BinaryOp.DIV, k.binary(BinaryOp.MUL, k.unary(UnaryOp.SIGN, g), hit), root);
                yield new FiniteDifferenceNorm(d, k.unary(UnaryOp.RECIPROCAL, root).reshape(n));
            }
        };
    }

    /** x + h·d, detached: the point where the target is evaluated a second time. */
    Tensor shifted(Tensor x, double h) {
        Backend k = x.backend();
        try (GradMode.Restore off = GradMode.disabled()) {
            return k.binary(BinaryOp.ADD, x, k.affine(direction, h, 0));
        }
    }

    /** scale · (T(x + h·d) − T(x)) / h per example; differentiable in both targets (the weights). */
    Variable estimate(Variable targetShifted, Variable target, double h) {
        Variable quotient = Ops.scale(Ops.sub(targetShifted, target), 1 / h);
        return Ops.mul(quotient, Variable.constant(scale));
    }

    @Override
    public String toString() {
        return "FiniteDifferenceNorm" + Arrays.toString(direction.shape().dims());
    }
}
