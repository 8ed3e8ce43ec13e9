package dev.lipreg.cli;

import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.regularizers.StepReport;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.regularizers.TrainingListener;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.MemoryPool;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Soak run (issue 21, deliverable 5; not in CI: it runs only with -Dsoak.steps=N, see {@code make soak}):
 * N training steps with the exact (double-backprop) Lipschitz penalty on the default backend,
 * sampling the process RSS and the native memory pool every 1% of the run, and reporting the
 * drift of both between the first and the last tenth after warm-up. Writes target/soak.tsv.
 */
class SoakTest {
    @Test
    void memoryStaysFlatOverManyExactPenaltySteps() throws IOException {
        String steps = System.getProperty("soak.steps");
        assumeTrue(steps != null, "soak run: pass -Dsoak.steps=N (make soak)");
        int total = Integer.parseInt(steps);
        int batch = 32, perEpoch = 16;
        Dataset train = synthetic(batch * perEpoch, 1), test = synthetic(64, 2);
        ModelSpec spec = ModelSpec.parse(Files.readString(TinyData.cnnSpec(Files.createTempFile("soak", ".json"))));
        Backend backend = Backends.configured();
        int every = Math.max(1, total / 100);
        List<long[]> samples = new ArrayList<>(); // step, rss, pool reserved, pool in use
        long start = System.nanoTime();
        try (Scope run = Scope.open()) {
            Module model = spec.build(new Init(backend, 1));
            Optimizer opt = Optimizers.build("sgd", model.parameters(), 0.05, 0.9, 0);
            Trainer trainer = new Trainer(model, Objectives.of("cross-entropy", 0.1, null, null, "l2", null, false), opt,
                    LrSchedule.constant(0.05), backend, new TrainerConfig((total + perEpoch - 1) / perEpoch, batch, 1, null, 64));
            int[] done = {0};
            trainer.fit(train, test, 0, new TrainingListener() {
                @Override
                public void onStep(StepReport s) {
                    if (done[0]++ % every == 0) {
                        MemoryPool pool = MemoryPool.shared();
                        samples.add(new long[]{done[0], rssBytes(), pool.reservedBytes(), pool.inUseBytes()});
                    }
                }
            });
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder tsv = new StringBuilder("step\trss_bytes\tpool_reserved_bytes\tpool_in_use_bytes\n");
        for (long[] s : samples) tsv.append(s[0]).append('\t').append(s[1]).append('\t').append(s[2]).append('\t').append(s[3]).append('\n');
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/soak.tsv"), tsv);
        int n = samples.size(), tenth = Math.max(1, n / 10);
        double rssEarly = mean(samples.subList(tenth, 2 * tenth), 1), rssLate = mean(samples.subList(n - tenth, n), 1);
        double poolEarly = mean(samples.subList(tenth, 2 * tenth), 2), poolLate = mean(samples.subList(n - tenth, n), 2);
        double rssDrift = (rssLate - rssEarly) / rssEarly, poolDrift = poolEarly == 0 ? 0 : (poolLate - poolEarly) / poolEarly;
        String report = String.format(Locale.ROOT, "soak: %d exact-penalty steps on %s in %.0f s; RSS %.1f -> %.1f MiB (drift %+.2f%%), "
                        + "native pool reserved %.1f -> %.1f MiB (drift %+.2f%%), samples in target/soak.tsv", total, backend.name(), seconds,
                rssEarly / (1 << 20), rssLate / (1 << 20), 100 * rssDrift, poolEarly / (1 << 20), poolLate / (1 << 20), 100 * poolDrift);
        System.out.println(report);
        Files.writeString(Path.of("target/soak.txt"), report + "\n");
        assertTrue(Math.abs(rssDrift) < 0.05 && Math.abs(poolDrift) < 0.05, report);
    }

    private static double mean(List<long[]> s, int column) {
        return s.stream().mapToLong(r -> r[column]).average().orElse(0);
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException e) {
            // not Linux: no RSS figure
        }
        return 0;
    }

    private static Dataset synthetic(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            for (int p = 0; p < 64; p++) x[i * 64 + p] = (p / 8 == y[i] % 8 ? 0.8f : 0f) + 0.1f * r.nextFloat();
        }
        return new Dataset(x, y, n, 1, 8, 8, 10, "soak");
    }
}
