package dev.lipreg.nn;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Sequential} runs a ReLU that feeds a max pooling after the pooling. The
 * network's output, its input gradient, the parameter gradient of the loss and of
 * the exact penalty (double backprop) must equal those of the layers run in their
 * written order, as numbers (only the sign of a zero may differ), on inputs where
 * ReLU ties whole windows at zero.
 */
class ReluPoolOrderTest {

    @ParameterizedTest(name = "{0}, pool {1}/{2}")
    @CsvSource({"reference,2,2", "dnnl,2,2", "reference,3,2", "dnnl,3,2"})
    void reorderedNetworkComputesTheSameAsTheWrittenOrder(String backend, int kernel, int stride) {
        Backend k = Backends.byName(backend);
        try (Scope s = Scope.open()) {
            Init init = new Init(k, 7);
            Pool2dSpec pool = Pool2dSpec.of(kernel, stride, kernel == 3 ? 1 : 0);
            Sequential net = Sequential.of(new Conv2d(init, 2, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(pool),
                    new Conv2d(init, 4, 3, 3, 1, 1), Activation.relu(), new MaxPool2d(pool), new Flatten(),
                    new Linear(init, 3 * 2 * 2, 3));
            Tensor x = inputs(k, 6, 2, 8, 8);
            Tensor labels = Tensor.ofLabels(k, new int[]{0, 1, 2, 0, 1, 2});
            Function<Variable, Variable> written = v -> {
                Variable h = v;
                for (Module m : net.layers()) h = m.forward(h);
                return h;
            };

            Variable a = net.forward(Variable.constant(x)), b = written.apply(Variable.constant(x));
            assertSameNumbers(b.value(), a.value(), "logits");
            assertTrue(zeroWindows(net, x) > 0, "the inputs must tie some pooling windows at zero after ReLU");

            assertSameNumbers(penaltyGradients(net, written, x, labels, false), penaltyGradients(net, net::forward, x, labels, false),
                    "input gradient and loss gradient");
            assertSameNumbers(penaltyGradients(net, written, x, labels, true), penaltyGradients(net, net::forward, x, labels, true),
                    "exact-penalty gradient");
        }
    }

    /** With penalty: ∇θ (loss + ‖∇ₓ loss‖²); without: ∇ₓ loss and ∇θ loss. Flattened in one list. */
    private static List<Float> penaltyGradients(Sequential net, Function<Variable, Variable> f, Tensor x, Tensor labels,
                                                boolean penalty) {
        for (Parameter p : net.parameters().values()) p.zeroGrad();
        Variable in = Variable.leaf(x);
        Variable loss = Loss.crossEntropy().mean(f.apply(in), labels);
        List<Float> out = new ArrayList<>();
        if (penalty) {
            Variable gx = Autograd.grad(loss, in, true);
            Ops.add(loss, Ops.sum(Ops.square(gx))).backward();
        } else {
            for (float v : Autograd.grad(loss, in, false).value().toFloatArray()) out.add(v);
            loss.backward();
        }
        for (Parameter p : net.parameters().values()) for (float v : p.grad().toFloatArray()) out.add(v);
        return out;
    }

    /** Uniform inputs shifted down so that many windows are all ≤ 0 after the first convolution. */
    private static Tensor inputs(Backend k, int... dims) {
        Random r = new Random(3);
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(5) == 0 ? 0f : (float) (r.nextDouble() * 2 - 1.2);
        return Tensor.of(k, v, dims);
    }

    /** Windows of the first pooling whose ReLU outputs are all zero. */
    private static int zeroWindows(Sequential net, Tensor x) {
        Variable h = net.layers().get(1).forward(net.layers().get(0).forward(Variable.constant(x)));
        Variable pooled = Ops.maxPool2d(h, ((MaxPool2d) net.layers().get(2)).spec());
        int zeros = 0;
        for (float v : pooled.value().toFloatArray()) if (v == 0) zeros++;
        return zeros;
    }

    private static void assertSameNumbers(Tensor expected, Tensor actual, String what) {
        List<Float> e = new ArrayList<>(), a = new ArrayList<>();
        for (float v : expected.toFloatArray()) e.add(v);
        for (float v : actual.toFloatArray()) a.add(v);
        assertSameNumbers(e, a, what);
    }

    private static void assertSameNumbers(List<Float> expected, List<Float> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": sizes");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), 0f, what + " at " + i);
        }
    }
}
