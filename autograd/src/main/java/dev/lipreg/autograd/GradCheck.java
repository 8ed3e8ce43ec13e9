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

    /**
     * Tolerances: |analytic − numeric| ≤ atol + rtol·|numeric| for every element.
     *
     * @param eps  the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the relative tolerance
     */
    public record Tolerance(double eps, double atol, double rtol) {
        public static final Tolerance DEFAULT = new Tolerance(1e-6, 1e-6, 1e-4);
    }

    /**
     * The worst element found, and where.
     *
     * @param passed   whether every element is within tolerance
     * @param maxError the largest error found
     * @param worst    where it was found, in words
     */
    public record Result(boolean passed, double maxError, String worst) {
        @Override
        public String toString() {
            return (passed ? "passed" : "FAILED") + ": max error " + maxError + " at " + worst;
        }
    }

    /**
     * Checks the first derivatives of {@code f} with respect to every input.
     *
     * @param f      the function, of variables to a variable
     * @param inputs the points to check at
     * @return the result
     */
    public static Result first(Function<List<Variable>, Variable> f, List<Tensor> inputs) {
        return first(f, inputs, Tolerance.DEFAULT, 42);
    }

    /**
     * As {@link #first(Function, List)}, with tolerances and the seed of the random cotangent.
     *
     * @param f      the function, of variables to a variable
     * @param inputs the points to check at
     * @param tol    the tolerances
     * @param seed   the seed
     * @return the result
     */
    public static Result first(Function<List<Variable>, Variable> f, List<Tensor> inputs, Tolerance tol, long seed) {
        return first(f, inputs, List.of(), tol, seed);
    }

    /**
     * As {@link #first(Function, List)}, also checking the gradient with respect
     * to {@code parameters}: leaves that f reads directly (a layer's weights),
     * perturbed in place during the check and restored afterwards.
     *
     * @param f          the function, of variables to a variable
     * @param inputs     the points to check at
     * @param parameters leaves f reads directly
     * @param tol        the tolerances
     * @param seed       the seed
     * @return the result
     */
    public static Result first(Function<List<Variable>, Variable> f, List<Tensor> inputs, List<? extends Variable> parameters,
                               Tolerance tol, long seed) {
        requireFloat64(inputs);
        requireFloat64(parameters.stream().map(Variable::value).toList());
        try (Scope ignored = Scope.open()) {
            Tensor cotangent = probe(f, inputs, seed);
            Function<List<Variable>, Variable> scalar = vs -> Ops.sum(Ops.mul(f.apply(vs), Variable.constant(cotangent)));
            return compare(scalar, inputs, parameters, tol);
        }
    }

    /**
     * Checks the second derivatives: the gradient map (x, u) ↦ ∂⟨u, f(x)⟩/∂x,
     * built with {@code createGraph = true}, is itself checked to first order in
     * both x and the cotangent u, as gradgradcheck does.
     *
     * @param f      the function, of variables to a variable
     * @param inputs the points to check at
     * @return the result
     */
    public static Result second(Function<List<Variable>, Variable> f, List<Tensor> inputs) {
        return second(f, inputs, Tolerance.DEFAULT, 42);
    }

    /**
     * As {@link #second(Function, List)}, with tolerances and the seed of the random cotangents.
     *
     * @param f      the function, of variables to a variable
     * @param inputs the points to check at
     * @param tol    the tolerances
     * @param seed   the seed
     * @return the result
     */
    public static Result second(Function<List<Variable>, Variable> f, List<Tensor> inputs, Tolerance tol, long seed) {
        return second(f, inputs, List.of(), tol, seed);
    }

    /**
     * As {@link #second(Function, List)}, with in-place {@code parameters} as in {@link #first(Function, List, List, Tolerance, long)}.
     *
     * @param f          the function, of variables to a variable
     * @param inputs     the points to check at
     * @param parameters leaves f reads directly
     * @param tol        the tolerances
     * @param seed       the seed
     * @return the result
     */
    public static Result second(Function<List<Variable>, Variable> f, List<Tensor> inputs, List<? extends Variable> parameters,
                                Tolerance tol, long seed) {
        requireFloat64(inputs);
        requireFloat64(parameters.stream().map(Variable::value).toList());
        try (Scope ignored = Scope.open()) {
            Tensor u0 = probe(f, inputs, seed);
            SplittableRandom rng = new SplittableRandom(seed + 1);
            List<Tensor> directions = new ArrayList<>();
            for (Tensor in : inputs) directions.add(random(in.backend(), in, rng));
            for (Variable p : parameters) directions.add(random(p.backend(), p.value(), rng));
            Function<List<Variable>, Variable> gradMap = vs -> {
                List<Variable> xs = vs.subList(0, inputs.size());
                Variable u = vs.get(inputs.size());
                List<Variable> wrt = new ArrayList<>(xs);
                wrt.addAll(parameters);
                List<Variable> g = Autograd.grad(List.of(f.apply(xs)), wrt, List.of(u), true);
                Variable total = null;
                for (int i = 0; i < g.size(); i++) {
                    Variable term = Ops.sum(Ops.mul(g.get(i), Variable.constant(directions.get(i))));
                    total = total == null ? term : Ops.add(total, term);
                }
                return total;
            };
            List<Tensor> all = new ArrayList<>(inputs);
            all.add(u0);
            return compare(gradMap, all, parameters, tol);
        }
    }

    /** Evaluates f once to learn its output shape and returns a random cotangent of that shape. */
    private static Tensor probe(Function<List<Variable>, Variable> f, List<Tensor> inputs, long seed) {
        // leaves, with recording on: f may take a gradient inside (second-order statistics)
        Tensor out;
        try (GradMode.Restore on = GradMode.set(true)) {
            out = f.apply(inputs.stream().map(Variable::leaf).toList()).value();
        }
        return random(out.backend(), out, new SplittableRandom(seed));
    }

    private static Result compare(Function<List<Variable>, Variable> scalar, List<Tensor> inputs,
                                  List<? extends Variable> parameters, Tolerance tol) {
        List<Variable> leaves = new ArrayList<>(inputs.stream().map(Variable::leaf).toList());
        Variable s = scalar.apply(leaves);
        if (s.shape().size() != 1) throw new IllegalArgumentException("gradcheck: scalarized output is " + s.shape());
        List<Variable> wrt = new ArrayList<>(leaves);
        wrt.addAll(parameters);
        List<Variable> analytic = Autograd.grad(List.of(s), wrt, null, false);

        Check check = new Check(tol);
        for (int i = 0; i < inputs.size(); i++) {
            Tensor in = inputs.get(i);
            double[] base = in.toDoubleArray();
            double[] a = analytic.get(i).value().toDoubleArray();
            int which = i;
            for (int j = 0; j < base.length; j++) {
                int element = j;
                check.element("input " + i + " " + in.shape() + " element " + j, a[j],
                        delta -> evaluate(scalar, inputs, which, base, element, delta));
            }
        }
        for (int i = 0; i < parameters.size(); i++) {
            Variable p = parameters.get(i);
            double[] base = p.value().toDoubleArray();
            double[] a = analytic.get(inputs.size() + i).value().toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                int element = j;
                check.element("parameter " + i + " " + p.shape() + " element " + j, a[j], delta -> {
                    double[] q = base.clone();
                    q[element] += delta;
                    try (Scope tmp = Scope.open()) {
                        p.backend().copyInto(p.value(), p.backend().fromArray(q, p.shape()));
                    }
                    try {
                        return evaluate(scalar, inputs, -1, null, 0, 0);
                    } finally {
                        try (Scope tmp = Scope.open()) {
                            p.backend().copyInto(p.value(), p.backend().fromArray(base, p.shape()));
                        }
                    }
                });
            }
        }
        return check.result();
    }

    /** Compares analytic derivatives with central differences, tracking the worst element. */
    private static final class Check {
        private final Tolerance tol;
        private double worstErr;
        private String worst = "nowhere";
        private boolean passed = true;

        Check(Tolerance tol) {
            this.tol = tol;
        }

        void element(String where, double analytic, java.util.function.DoubleUnaryOperator valueAt) {
            double numeric = (valueAt.applyAsDouble(tol.eps()) - valueAt.applyAsDouble(-tol.eps())) / (2 * tol.eps());
            double err = Math.abs(analytic - numeric);
            if (err > tol.atol() + tol.rtol() * Math.abs(numeric) || Double.isNaN(err)) passed = false;
            if (err > worstErr || Double.isNaN(err)) {
                worstErr = err;
                worst = where + ": analytic " + analytic + ", numeric " + numeric;
            }
        }

        Result result() {
            return new Result(passed, worstErr, worst);
        }
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
