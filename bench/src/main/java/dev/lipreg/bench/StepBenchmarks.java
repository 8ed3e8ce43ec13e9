package dev.lipreg.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * Whole fashion-cnn steps at batch 128 on Fashion-MNIST (noise when absent), one
 * per {@link Mode}, exactly as {@link Compare} times them. oneDNN only: the
 * reference backend is ~100x slower.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StepBenchmarks {
    @Param({"forward", "input-gradient", "train", "exact-penalty", "fd-penalty", "fd-penalty-1dir", "pgd7"})
    public String mode;

    @Param({"dnnl"})
    public String backend;

    private LipRegSteps steps;
    private Mode m;

    @Setup(Level.Trial)
    public void setUp() {
        m = Mode.parse(mode);
        steps = new LipRegSteps(BenchState.backend(backend), BenchData.load(CompareConfig.DEFAULT_DATA, 128, 8, 42), 42);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (steps != null) steps.close();
    }

    @Benchmark
    public void step() {
        steps.step(m);
    }
}
