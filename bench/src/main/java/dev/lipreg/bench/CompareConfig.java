package dev.lipreg.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Settings of one side-by-side run ({@link Compare#run}).
 *
 * @param threads  OpenMP threads for LipReg and torch.set_num_threads for PyTorch (same for both)
 * @param batch    images per step
 * @param warmup   untimed steps per mode and side before timing
 * @param steps    timed steps per mode and side
 * @param modes    what to time, in order
 * @param torch    whether to run the PyTorch side at all
 * @param python   the interpreter for compare.py; null probes /usr/bin/python3, then python3 on PATH
 * @param outDir   where compare.json and compare.md are written; null writes nothing
 * @param dataDir  Fashion-MNIST IDX files; noise batches when absent
 * @param chunk    steps timed on one side before switching to the other
 * @param seed     model initialization and noise seed
 * @param backend  LipReg backend name (Backends.byName): "dnnl", or "reference" for tiny checks
 * @param baseline class path of another LipReg build (e.g. an older benchmarks.jar) timed in the same run
 *                 as a third side, for before/after comparisons of an optimization; null for none.
 *                 Both LipReg builds then run in child JVMs, set up alike.
 * @param model    the model preset all sides run: fashion-cnn (on Fashion-MNIST), resnet-small or
 *                 resnext34-2x32 (on 3x32x32 noise)
 * @param libtorch class path of the lipreg-bench-torch worker (libtorch 2.7.1 through DJL), timed as
 *                 a further side; null for none
 * @param jvmWarmupSeconds after the common warm-up steps, how long each LipReg side (a JVM) keeps running untimed
 *                 steps of the mode, so that its host code is JIT-compiled before timing: C2 compiles a method
 *                 after thousands of calls, and an op called once per layer per step reaches that only after
 *                 many steps (a JMH-style warm-up; the torch peers run native code and need none)
 */
public record CompareConfig(int threads, int batch, int warmup, int steps, List<Mode> modes, boolean torch, Path python,
                            Path outDir, Path dataDir, int chunk, long seed, String backend, String baseline,
                            String model, String libtorch, double jvmWarmupSeconds) {

    public static final Path DEFAULT_DATA = Path.of("/usr/share/datasets/fashion-mnist");

    public CompareConfig {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        Objects.requireNonNull(modes, "modes");
        if (modes.isEmpty()) throw new IllegalArgumentException("modes must name at least one mode");
        modes = List.copyOf(modes);
        Objects.requireNonNull(backend, "backend");
        if (!(jvmWarmupSeconds >= 0)) throw new IllegalArgumentException("JVM warm-up must be >= 0 seconds, got " + jvmWarmupSeconds);
        if (!MODELS.contains(model)) throw new IllegalArgumentException("model must be one of " + MODELS + ", got '" + model + "'");
    }

    /** The presets compare.py defines too. */
    public static final List<String> MODELS = List.of("fashion-cnn", "resnet-small", "resnext34-2x32");

    /** 2 threads, batch 128, 5 warm-up steps (LipReg: and 20 s more) and 30 timed steps of every mode, PyTorch probed, output to target/bench. */
    public static CompareConfig defaults() {
        return new CompareConfig(2, 128, 5, 30, List.of(Mode.values()), true, null, Path.of("target", "bench"), DEFAULT_DATA, 5, 42, "dnnl", null, "fashion-cnn", null, 20);
    }

    public CompareConfig withThreads(int t) {
        return new CompareConfig(t, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withBatch(int b) {
        return new CompareConfig(threads, b, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withSteps(int warm, int timed) {
        return new CompareConfig(threads, batch, warm, timed, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withModes(List<Mode> m) {
        return new CompareConfig(threads, batch, warmup, steps, m, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withTorch(boolean on) {
        return new CompareConfig(threads, batch, warmup, steps, modes, on, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withPython(Path p) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, p, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withOutDir(Path p) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, p, dataDir, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withDataDir(Path p) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, p, chunk, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withChunk(int c) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, c, seed, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withSeed(long s) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, s, backend, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withBaseline(String classPath) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, classPath, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withModel(String m) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, m, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withLibtorch(String classPath) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, classPath, jvmWarmupSeconds);
    }

    public CompareConfig withBackend(String b) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, b, baseline, model, libtorch, jvmWarmupSeconds);
    }

    public CompareConfig withJvmWarmup(double seconds) {
        return new CompareConfig(threads, batch, warmup, steps, modes, torch, python, outDir, dataDir, chunk, seed, backend, baseline, model, libtorch, seconds);
    }
}
