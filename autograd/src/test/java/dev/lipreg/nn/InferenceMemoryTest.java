package dev.lipreg.nn;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.MemoryPool;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forward pass that records nothing frees each layer's temporaries when the layer
 * returns and each activation once the next layer has consumed it, so it holds a
 * few activations, not all of them; its output is the recorded forward's, bit for bit.
 */
class InferenceMemoryTest {
    private static final int BATCH = 64, WIDTH = 256, DEPTH = 12;

    @Test
    void anUnrecordedForwardHoldsAFewActivations() {
        Backend k = Backends.reference();
        try (MemoryPool pool = new MemoryPool(); Scope home = Scope.open(pool)) {
            Init init = new Init(k, 7);
            List<Module> layers = new ArrayList<>();
            for (int i = 0; i < DEPTH; i++) {
                layers.add(new Linear(init, WIDTH, WIDTH));
                layers.add(Activation.relu());
            }
            layers.add(new Flatten());
            Sequential net = new Sequential(layers);
            float[] v = new float[BATCH * WIDTH];
            Random r = new Random(3);
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            Tensor x = k.fromArray(v, Shape.of(BATCH, WIDTH));
            float[] recorded;
            try (Scope step = Scope.open(pool)) {
                recorded = net.forward(Variable.leaf(x)).value().toFloatArray();
            }
            try (Scope step = Scope.open(pool); GradMode.Restore off = GradMode.disabled()) {
                long before = step.liveBytes(), activation = x.byteSize();
                Tensor y = net.forward(Variable.constant(x)).value();
                long peak = step.peakLiveBytes() - before;
                // a linear layer's input, its product and its output (bias added), at most
                assertTrue(peak <= 4 * activation, "the forward held " + (double) peak / activation + " activations at once");
                assertTrue(step.liveBytes() - before <= activation, "more than the output is left");
                assertArrayEquals(recorded, y.toFloatArray());
                assertTrue(x.isAlive(), "the caller's input was released");
            }
        }
    }
}
