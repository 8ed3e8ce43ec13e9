package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Numerical checks of gradients by central finite differences, in float64 on
 * the reference backend (as PyTorch's gradcheck / gradgradcheck and JAX's
 * check_grads). The function's output is scalarized with a fixed random
 * cotangent, so one check covers the whole Jacobian-vector product.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Tolerances: |analytic − numeric| ≤ atol + rtol·|numeric| for every element. */
    public record Tolerance(double eps, double atol, double rtol) {
        public static final Tolerance DEFAULT = new Tolerance(1e-6, 1e-6, 1e-4);
    }

    /** The worst element found, and where. */
    public record Result(boolean passed, double maxError, String worst) {
        @Override
        public String toString() {
            return (passed ? "passed" : "FAILED") + ": max error " + maxError + " at " + worst;
        }
    }

    /** Checks the first derivatives of {@code f} with respect to every input. */
    public static Result first(Function<List<Variable>, Variable> f, List<Tensor> inputs) {
        return first(f, inputs, Tolerance.DEFAULT, 42);
    }

    public static Result first(Function<List<Variable>, Variable> f, List<Tensor> inputs, Tolerance tol, long seed) {
        requireFloat64(inputs);
        try (Scope ignored = Scope.open()) {
            Tensor cotangent = probe(f, inputs, seed);
            Function<List<Variable>, Variable> scalar = vs -> Ops.sum(Ops.mul(f.apply(vs), Variable.constant(cotangent)));
            return compare(scalar, inputs, tol);
        }
    }

    /**
     * Checks the second derivatives: the gradient map (x, u) ↦ ∂⟨u, f(x)⟩/∂x,
     * built with {@code createGraph = true}, is itself checked to first order in
     * both x and the cotangent u, as gradgradcheck does.
     */
    public static Result second(Function<List<Variable>, Variable> f, List<Tensor> inputs) {
        return second(f, inputs, Tolerance.DEFAULT, 42);
    }

    public static Result second(Function<List<Variable>, Variable> f, List<Tensor> inputs, Tolerance tol, long seed) {
        requireFloat64(inputs);
        try (Scope ignored = Scope.open()) {
            Tensor u0 = probe(f, inputs, seed);
            SplittableRandom rng = new SplittableRandom(seed + 1);
            List<Tensor> directions = new ArrayList<>();
            for (Tensor in : inputs) directions.add(random(in.backend(), in, rng));
            Function<List<Variable>, Variable> gradMap = vs -> {
                List<Variable> xs = vs.subList(0, inputs.size());
                Variable u = vs.get(inputs.size());
                List<Variable> g = Autograd.grad(List.of(f.apply(xs)), xs, List.of(u), true);
                Variable total = null;
                for (int i = 0; i < g.size(); i++) {
                    Variable term = Ops.sum(Ops.mul(g.get(i), Variable.constant(directions.get(i))));
                    total = total == null ? term : Ops.add(total, term);
                }
                return total;
            };
            List<Tensor> all = new ArrayList<>(inputs);
            all.add(u0);
            return compare(gradMap, all, tol);
        }
    }

    /** Evaluates f once to learn its output shape and returns a random cotangent of that shape. */
    private static Tensor probe(Function<List<Variable>, Variable> f, List<Tensor> inputs, long seed) {
        Tensor out;
        try (GradMode.Restore off = GradMode.disabled()) {
            out = f.apply(inputs.stream().map(Variable::constant).toList()).value();
        }
        return random(out.backend(), out, new SplittableRandom(seed));
    }

    private static Result compare(Function<List<Variable>, Variable> scalar, List<Tensor> inputs, Tolerance tol) {
        List<Variable> leaves = inputs.stream().map(Variable::leaf).toList();
        Variable s = scalar.apply(leaves);
        if (s.shape().size() != 1) throw new IllegalArgumentException("gradcheck: scalarized output is " + s.shape());
        List<Variable> analytic = Autograd.grad(List.of(s), leaves, null, false);

        double worstErr = 0;
        String worst = "nowhere";
        boolean passed = true;
        for (int i = 0; i < inputs.size(); i++) {
            Tensor in = inputs.get(i);
            double[] base = in.toDoubleArray();
            double[] a = analytic.get(i).value().toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                double numeric = (evaluate(scalar, inputs, i, base, j, tol.eps()) - evaluate(scalar, inputs, i, base, j, -tol.eps()))
                        / (2 * tol.eps());
                double err = Math.abs(a[j] - numeric);
                double excess = err - (tol.atol() + tol.rtol() * Math.abs(numeric));
                if (excess > 0) passed = false;
                if (err > worstErr) {
                    worstErr = err;
                    worst = "input " + i + " " + in.shape() + " element " + j + ": analytic " + a[j] + ", numeric " + numeric;
                }
            }
        }
        return new Result(passed, worstErr, worst);
    }

    private static double evaluate(Function<List<Variable>, Variable> scalar, List<Tensor> inputs, int which,
                                   double[] base, int element, double delta) {
        try (Scope step = Scope.open(); GradMode.Restore on = GradMode.set(true)) {
            List<Variable> vs = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor t = inputs.get(i);
                if (i == which) {
                    double[] p = base.clone();
                    p[element] += delta;
                    t = t.backend().fromArray(p, t.shape());
                }
                // leaves, because f may differentiate internally (second-order checks)
                vs.add(Variable.leaf(t));
            }
            return scalar.apply(vs).item();
        }
    }

    private static Tensor random(Backend backend, Tensor like, SplittableRandom rng) {
        double[] v = new double[like.shape().intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble(-1, 1);
        return backend.fromArray(v, like.shape());
    }

    private static void requireFloat64(List<Tensor> inputs) {
        for (Tensor t : inputs) {
            if (t.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradcheck needs FLOAT64 inputs (reference backend), got " + t.dtype() + t.shape());
            }
        }
    }
}
