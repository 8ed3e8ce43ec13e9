package dev.lipreg.bench;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.StepValues;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a new user waits for in a fresh JVM: milliseconds from the JVM's start to {@link Backends#auto()}
 * returning, and to the first finished exact-penalty training step of fashion-cnn (batch 128, random
 * images), then the second step for comparison. Run it in its own JVM: {@code make first-step}.
 */
public final class FirstStep {
    private FirstStep() {
    }

    public static void main(String[] args) {
        long start = ManagementFactory.getRuntimeMXBean().getStartTime();
        long main = System.currentTimeMillis();
        Backend backend = Backends.auto();
        long chosen = System.currentTimeMillis();
        long first, second;
        try (Scope model = Scope.open()) {
            Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(backend, 1));
            Sgd sgd = Sgd.builder().lr(0.01).momentum(0.9).build(net.parameters());
            RobustObjective objective = RobustObjective.paper(0.1, 0.01, Norm.LINF);
            SplittableRandom rng = new SplittableRandom(1);
            float[] x = new float[128 * 28 * 28];
            long[] y = new long[128];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(10);
            step(net, sgd, objective, backend, x, y);
            first = System.currentTimeMillis();
            step(net, sgd, objective, backend, x, y);
            second = System.currentTimeMillis();
        }
        System.out.printf(Locale.ROOT, "JVM start to main: %d ms%nBackends.auto(): %d ms (from JVM start %d ms)%n"
                        + "first exact-penalty step finished %d ms after JVM start (the step itself %d ms)%nsecond step: %d ms%n",
                main - start, chosen - main, chosen - start, first - start, first - chosen, second - first);
    }

    private static void step(Module net, Sgd sgd, RobustObjective objective, Backend b, float[] x, long[] y) {
        try (Scope step = Scope.open()) {
            StepValues v = objective.evaluate(net, b.fromArray(x, Shape.of(128, 1, 28, 28)), Tensor.ofLabels(b, y));
            sgd.zeroGrad();
            v.total().backward();
            sgd.step();
        }
    }
}
