package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.RandomTensors;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The largest singular value σ_max of a {@link LinearOperator} by power
 * iteration on AᵀA from a seeded Gaussian start. Each estimate √‖AᵀAv‖ (‖v‖ = 1)
 * is a lower bound on σ_max that increases to it; iteration stops when it
 * changes by at most {@code tolerance} relative, or after {@code maxIterations}.
 */
public record PowerIteration(int maxIterations, double tolerance, long seed) {

    public PowerIteration {
        Inputs.checkPositive(maxIterations, "maxIterations");
        Inputs.checkPositive(tolerance, "tolerance");
    }

    /** 2000 iterations at most, relative tolerance 1e-9 (float32 operators stop at their rounding noise). */
    public static PowerIteration defaults() {
        return new PowerIteration(2000, 1e-9, 0);
    }

    public record Estimate(double sigma, int iterations, boolean converged) {
    }

    public Estimate sigmaMax(LinearOperator op) {
        Backend k = op.backend();
        try (Scope s = Scope.open()) {
            Tensor v = RandomTensors.gaussian(k, op.dtype(), op.inputShape(), new SplittableRandom(seed));
            v = k.affine(v, 1 / norm(v), 0);
            double sigma = 0;
            for (int it = 1; it <= maxIterations; it++) {
                try (Scope step = Scope.open()) {
                    Tensor w = op.adjoint(op.apply(v));
                    double nw = norm(w);
                    if (nw == 0) return new Estimate(0, it, true); // v in the null space; with a Gaussian start: A = 0
                    double next = Math.sqrt(nw);
                    k.copyInto(v, k.affine(w, 1 / nw, 0));
                    boolean done = Math.abs(next - sigma) <= tolerance * next;
                    sigma = next;
                    if (done) return new Estimate(sigma, it, true);
                }
            }
            return new Estimate(sigma, maxIterations, false);
        }
    }

    private static double norm(Tensor t) {
        return t.backend().reduce(ReduceOp.NORM_L2, t, new int[0], false).item();
    }
}
