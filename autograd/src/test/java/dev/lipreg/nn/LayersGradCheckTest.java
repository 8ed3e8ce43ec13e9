package dev.lipreg.nn;

import dev.lipreg.autograd.GradCheck;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** First- and second-order gradient checks of every layer, with respect to its input and its parameters. */
class LayersGradCheckTest {

    record LayerCase(String name, Function<Init, Module> make, int[] input, boolean eval) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<LayerCase> layers() {
        return Stream.of(
                new LayerCase("Conv2d", i -> new Conv2d(i, 2, 3, 3, 2, new Conv2dSpec(2, 1, 1, 0, 1, 1, 1), true), new int[]{2, 2, 5, 4}, false),
                new LayerCase("Conv2d grouped dilated", i -> new Conv2d(i, 4, 4, 3, 3, Conv2dSpec.of(1, 2, 2, 2), false), new int[]{1, 4, 5, 5}, false),
                new LayerCase("Linear", i -> new Linear(i, 5, 3), new int[]{4, 5}, false),
                new LayerCase("ReLU", i -> Activation.relu(), new int[]{3, 4}, false),
                new LayerCase("LeakyReLU", i -> Activation.leakyRelu(0.2), new int[]{3, 4}, false),
                new LayerCase("ELU", i -> Activation.elu(1.0), new int[]{3, 4}, false),
                new LayerCase("Softplus", i -> Activation.softplus(), new int[]{3, 4}, false),
                new LayerCase("Tanh", i -> Activation.tanh(), new int[]{3, 4}, false),
                new LayerCase("Sigmoid", i -> Activation.sigmoid(), new int[]{3, 4}, false),
                new LayerCase("MaxPool2d", i -> new MaxPool2d(2), new int[]{2, 2, 4, 4}, false),
                new LayerCase("AvgPool2d", i -> new AvgPool2d(Pool2dSpec.of(3, 2, 1)), new int[]{1, 2, 5, 5}, false),
                new LayerCase("AdaptiveAvgPool2d", i -> new AdaptiveAvgPool2d(), new int[]{2, 3, 3, 3}, false),
                new LayerCase("Flatten", i -> Sequential.of(new Flatten(), Activation.tanh()), new int[]{2, 2, 2, 2}, false),
                new LayerCase("BatchNorm2d train", i -> new BatchNorm2d(i, 3), new int[]{4, 3, 2, 2}, false),
                new LayerCase("BatchNorm2d eval", i -> new BatchNorm2d(i, 3), new int[]{4, 3, 2, 2}, true),
                new LayerCase("Normalize + Tanh", i -> Sequential.of(new Normalize(new double[]{0.2, -0.1}, new double[]{0.5, 2}), Activation.tanh()),
                        new int[]{2, 2, 3, 3}, false),
                new LayerCase("Normalize flat + Tanh", i -> Sequential.of(new Normalize(new double[]{0.3, 0, 1, -2}, new double[]{0.25, 1, 3, 0.7}),
                        Activation.tanh()), new int[]{3, 4}, false),
                new LayerCase("Dropout eval", i -> new Dropout(0.5, 1), new int[]{3, 3}, true),
                new LayerCase("ResidualBlock", i -> new ResidualBlock(i, 2, 4, 2, 2), new int[]{2, 2, 4, 4}, false),
                new LayerCase("BottleneckBlock", i -> new BottleneckBlock(i, 4, 4, 2, 2, 1), new int[]{2, 4, 3, 3}, false),
                new LayerCase("small CNN", i -> Sequential.of(new Conv2d(i, 1, 2, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                        new Flatten(), new Linear(i, 8, 3)), new int[]{2, 1, 4, 4}, false));
    }

    private static List<Tensor> input(int[] shape, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[(int) Shape.of(shape).size()];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble(-1, 1);
        return List.of(Backends.reference().fromArray(v, Shape.of(shape)));
    }

    private static Module build(LayerCase c) {
        Module m = c.make().apply(new Init(Backends.reference(), DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 3));
        // non-trivial batch-norm affine parameters and running statistics
        for (var p : m.parameters().entrySet()) {
            if (p.getKey().endsWith("bn1.weight") || p.getKey().equals("weight") && m instanceof BatchNorm2d) {
                p.getValue().assign(Backends.reference().fromArray(new SplittableRandom(5).doubles(p.getValue().shape().intSize(), 0.5, 1.5).toArray(), p.getValue().shape()));
            }
        }
        if (c.eval()) m.eval();
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void firstOrder(LayerCase c) {
        try (Scope scope = Scope.open()) {
            Module m = build(c);
            GradCheck.Result r = GradCheck.first(v -> m.forward(v.getFirst()), input(c.input(), 9),
                    List.copyOf(m.parameters().values()), GradCheck.Tolerance.DEFAULT, 1);
            assertTrue(r.passed(), c.name() + ": " + r);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void secondOrder(LayerCase c) {
        try (Scope scope = Scope.open()) {
            Module m = build(c);
            GradCheck.Result r = GradCheck.second(v -> m.forward(v.getFirst()), input(c.input(), 13),
                    List.copyOf(m.parameters().values()), GradCheck.Tolerance.DEFAULT, 2);
            assertTrue(r.passed(), c.name() + ": " + r);
        }
    }

    static Stream<Loss> losses() {
        return Stream.of(Loss.crossEntropy(), Loss.nll(), Loss.tanhSquared());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("losses")
    void lossesToSecondOrder(Loss loss) {
        try (Scope scope = Scope.open()) {
            Tensor labels = Tensor.ofLabels(Backends.reference(), new long[]{2, 0, 1});
            Function<List<Variable>, Variable> f = v -> loss.perExample(v.getFirst(), labels);
            assertTrue(GradCheck.first(f, input(new int[]{3, 4}, 3)).passed(), loss.label());
            assertTrue(GradCheck.second(f, input(new int[]{3, 4}, 4)).passed(), loss.label());
        }
    }
}
