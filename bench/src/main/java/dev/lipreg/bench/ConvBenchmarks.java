package dev.lipreg.bench;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Conv2dSpec;
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
 * The fashion-cnn convolutions at batch 128, 3x3 pad 1: conv1 1→32 at 28x28 and
 * conv2 32→64 at 14x14, forward (with bias), backward-data and backward-weights.
 * The reference backend only runs the small conv1.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConvBenchmarks {
    @Param({"dnnl:conv1", "dnnl:conv2", "reference:conv1"})
    public String config;

    private Scope trial;
    private Backend k;
    private Tensor x, w, b, gy;
    private final Conv2dSpec spec = Conv2dSpec.of(1, 1);

    @Setup(Level.Trial)
    public void setUp() {
        String[] c = BenchState.split(config);
        k = BenchState.backend(c[0]);
        int in, out, hw;
        switch (c[1]) {
            case "conv1" -> { in = 1; out = 32; hw = 28; }
            case "conv2" -> { in = 32; out = 64; hw = 14; }
            default -> throw new IllegalArgumentException("unknown conv " + c[1]);
        }
        trial = Scope.open();
        SplittableRandom rng = new SplittableRandom(1);
        x = BenchState.uniform(k, rng, 0, 1, 128, in, hw, hw);
        w = BenchState.uniform(k, rng, -0.3, 0.3, out, in, 3, 3);
        b = BenchState.uniform(k, rng, -0.3, 0.3, out);
        gy = BenchState.uniform(k, rng, -1, 1, 128, out, hw, hw);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchState.close(trial);
    }

    @Benchmark
    public void forward(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.conv2d(x, w, b, spec));
        }
    }

    @Benchmark
    public void backwardData(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.conv2dBackwardData(gy, w, x.shape(), spec));
        }
    }

    @Benchmark
    public void backwardWeights(Blackhole bh) {
        try (Scope s = Scope.open()) {
            bh.consume(k.conv2dBackwardWeights(x, gy, w.shape(), spec));
        }
    }
}
