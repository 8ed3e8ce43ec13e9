package dev.lipreg.bench;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
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
 * 2x2 max pooling of the fashion-cnn activations at batch 128: pool1 on
 * [128,32,28,28], pool2 on [128,64,14,14]; forward (values and PyTorch's
 * first-maximum indices) and backward (scatter through the indices). Inputs are
 * ReLU outputs with exact zeros, so windows hold ties as on real images.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PoolBenchmarks {
    @Param({"dnnl:pool1", "dnnl:pool2", "reference:pool1"})
    public String config;

    private Scope trial;
    private Backend k;
    private Tensor x, gy, indices;
    private final Pool2dSpec spec = Pool2dSpec.of(2);

    @Setup(Level.Trial)
    public void setUp() {
        String[] c = BenchState.split(config);
        k = BenchState.backend(c[0]);
        int ch, hw;
        switch (c[1]) {
            case "pool1" -> { ch = 32; hw = 28; }
            case "pool2" -> { ch = 64; hw = 14; }
            default -> throw new IllegalArgumentException("unknown pool " + c[1]);
        }
        trial = Scope.open();
        SplittableRandom rng = new SplittableRandom(2);
        x = k.clamp(BenchState.uniform(k, rng, -1, 1, 128, ch, hw, hw), 0, 1);
        MaxPoolResult r = k.maxPool2d(x, spec);
        indices = r.indices();
        gy = BenchState.uniform(k, rng, -1, 1, 128, ch, hw / 2, hw / 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchState.close(trial);
    }

    @Benchmark
    public void forward(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.maxPool2d(x, spec));
        }
    }

    @Benchmark
    public void backward(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.maxPool2dBackward(gy, indices, x.shape(), spec));
        }
    }
}
