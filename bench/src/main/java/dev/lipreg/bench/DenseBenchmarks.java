package dev.lipreg.bench;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fashion-cnn dense part at batch 128: linear 3136→128 forward (bias fused)
 * and its two backward matmuls, and softmax cross-entropy on [128,10] logits
 * (forward and gradient through autograd, as a training step runs it).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DenseBenchmarks {
    @Param({"dnnl", "reference"})
    public String backend;

    private Scope trial;
    private Backend k;
    private Tensor x, w, b, gy, logits, labels;

    @Setup(Level.Trial)
    public void setUp() {
        k = BenchState.backend(backend);
        trial = Scope.open();
        SplittableRandom rng = new SplittableRandom(3);
        x = BenchState.uniform(k, rng, 0, 1, 128, 3136);
        w = BenchState.uniform(k, rng, -0.02, 0.02, 128, 3136);
        b = BenchState.uniform(k, rng, -0.02, 0.02, 128);
        gy = BenchState.uniform(k, rng, -1, 1, 128, 128);
        logits = BenchState.uniform(k, rng, -3, 3, 128, 10);
        int[] y = new int[128];
        for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(10);
        labels = Tensor.ofLabels(k, y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchState.close(trial);
    }

    @Benchmark
    public void linearForward(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.linear(x, w, b));
        }
    }

    /** gx = gy·W and gW = gyᵀ·x. */
    @Benchmark
    public void linearBackward(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.matmul(gy, w, false, false));
            bh.consume(k.matmul(gy, x, true, false));
        }
    }

    @Benchmark
    public void softmaxCrossEntropy(Blackhole bh) {
        try (Scope s = Scope.open()) {
            Variable z = Variable.leaf(logits);
            Variable loss = Loss.crossEntropy().mean(z, labels);
            bh.consume(Autograd.grad(loss, z, false).value());
        }
    }
}
