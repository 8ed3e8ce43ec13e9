package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/** One differentiable function and how to draw its float64 inputs, for gradient checks. */
record OpCase(String name, Function<List<Variable>, Variable> f, List<InputSpec> inputs) {

    /** An input's shape and value range; ranges keep inputs off kinks, ties and singularities. */
    record InputSpec(Shape shape, double lo, double hi) {
    }

    static InputSpec in(int... dims) {
        return new InputSpec(Shape.of(dims), -1, 1);
    }

    static InputSpec positive(int... dims) {
        return new InputSpec(Shape.of(dims), 0.5, 2);
    }

    static OpCase of(String name, Function<List<Variable>, Variable> f, InputSpec... inputs) {
        return new OpCase(name, f, List.of(inputs));
    }

    List<Tensor> draw(long seed) {
        Backend ref = Backends.reference();
        SplittableRandom rng = new SplittableRandom(seed);
        List<Tensor> ts = new ArrayList<>();
        for (InputSpec s : inputs) {
            double[] v = new double[s.shape().intSize()];
            for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble(s.lo(), s.hi());
            ts.add(ref.fromArray(v, s.shape()));
        }
        return ts;
    }

    @Override
    public String toString() {
        return name;
    }
}
