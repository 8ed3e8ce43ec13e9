package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.SplittableRandom;

/**
 * The feasible set of a fixed-budget attack: the ε-ball around x0 in one norm
 * intersected with the image box [0,1]. Budgets are per image ([N,1,...,1]).
 */
final class Ball {
    private final Norm norm;
    private final Tensor center;
    private final Tensor eps;

    Ball(Norm norm, Tensor center, Tensor eps) {
        this.norm = norm;
        this.center = center;
        this.eps = eps;
    }

    /**
     * The nearest point of the ball (ℓ∞: exact; ℓ2: radial scaling), clipped to
     * [0,1]. Clipping moves every coordinate toward x0 ∈ [0,1], so the result
     * stays inside the ball.
     */
    Tensor project(Tensor x) {
        Backend k = x.backend();
        Tensor inBall;
        if (norm == Norm.LINF) {
            inBall = k.binary(BinaryOp.MIN, k.binary(BinaryOp.MAX, x, k.binary(BinaryOp.SUB, center, eps)),
                    k.binary(BinaryOp.ADD, center, eps));
        } else {
            Tensor d = k.binary(BinaryOp.SUB, x, center);
            Tensor n = PerImage.normColumn(d, ReduceOp.NORM_L2);
            // ε / max(‖δ‖, ε, tiny): exactly 1 inside the ball, 0 for ε = 0, never 0/0
            Tensor denom = k.binary(BinaryOp.MAX, k.binary(BinaryOp.MAX, n, eps), k.full(Shape.scalar(), x.dtype(), PerImage.TINY));
            inBall = k.binary(BinaryOp.ADD, center, k.binary(BinaryOp.MUL, d, k.binary(BinaryOp.DIV, eps, denom)));
        }
        return k.clamp(inBall, 0, 1);
    }

    /** The steepest-ascent direction of unit norm for gradient g: sign(g) for ℓ∞, g/‖g‖₂ for ℓ2. */
    Tensor ascent(Tensor g) {
        return norm == Norm.LINF ? g.backend().unary(UnaryOp.SIGN, g) : PerImage.unitL2(g);
    }

    /** x0 + a uniformly random point of the ℓ∞ ball, or a random direction at a radius uniform in volume for ℓ2; projected. */
    Tensor randomPoint(SplittableRandom rng) {
        Backend k = center.backend();
        Tensor noise;
        if (norm == Norm.LINF) {
            noise = k.binary(BinaryOp.MUL, RandomTensors.uniform(k, center.dtype(), center.shape(), -1, 1, rng), eps);
        } else {
            int n = center.dim(0);
            double dim = (double) center.size() / n;
            double[] radius = new double[n];
            for (int i = 0; i < n; i++) radius[i] = Math.pow(rng.nextDouble(), 1 / dim);
            Tensor dir = PerImage.unitL2(RandomTensors.gaussian(k, center.dtype(), center.shape(), rng));
            noise = k.binary(BinaryOp.MUL, dir, k.binary(BinaryOp.MUL, PerImage.column(radius, center), eps));
        }
        return project(k.binary(BinaryOp.ADD, center, noise));
    }

    Tensor eps() {
        return eps;
    }
}
