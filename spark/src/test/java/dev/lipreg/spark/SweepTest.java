package dev.lipreg.spark;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 2 × 2 grid (λ × exact/finite differences) trained and evaluated as four Spark tasks on real Fashion-MNIST. */
class SweepTest {
    @TempDir
    Path out;

    @Test
    void gridTrainsOneRunPerTaskAndWritesTheTradeOff() throws Exception {
        Path data = TestData.fashionMnist();
        SweepSettings s = new SweepSettings("fashion-mnist", data.toString(), "mlp", 512, 200, 1, 64, 0.05, 0.9, 3,
                new double[]{0.5, 1}, new double[]{0.05}, 5, 100, 1, out.toString());
        List<SweepPoint> grid = SweepPoint.grid(new double[]{0, 0.1}, new double[]{0}, List.of(Norm.L2), new double[]{0, 0.01});
        SweepReport report = Sweep.run(TestSpark.context(), s, grid);

        System.out.print(report.markdown());
        assertEquals(4, report.results().size());
        for (int i = 0; i < grid.size(); i++) {
            SweepResult r = report.results().get(i);
            assertEquals(grid.get(i), r.point(), "results in grid order");
            Path run = out.resolve("runs").resolve(r.point().name());
            for (String f : List.of(SweepTask.MODEL, SweepTask.CHECKPOINT, SweepTask.HISTORY, SweepTask.RESULT)) {
                assertTrue(Files.isRegularFile(run.resolve(f)), run.resolve(f) + " written");
            }
            assertEquals(200, r.images());
            assertTrue(r.cleanError() > 0 && r.cleanError() < 0.8, "better than chance (90%): clean error " + r.cleanError());
            // error under attack is monotone in ε and never below the clean error (clean errors count as broken)
            assertTrue(r.errors()[0] >= r.cleanError() && r.errors()[1] >= r.errors()[0], r.toString());
        }
        // without a penalty the mode has nothing to differentiate: exact and FD train the same model
        assertEquals(report.results().get(0).trainLoss(), report.results().get(2).trainLoss());
        assertArrayEquals(report.results().get(0).errors(), report.results().get(2).errors());
        try (var files = Files.list(out.resolve("runs"))) {
            assertEquals(4, files.count(), "exactly the four runs, no staging directories left");
        }
        String md = Files.readString(out.resolve(SweepReport.MARKDOWN));
        assertEquals(4 + 2, md.lines().filter(l -> l.startsWith("|")).count(), md);
        assertTrue(md.contains("| 0.1 | 0 | ℓ2 | FD h=0.01 |"), md);
        BufferedImage png = ImageIO.read(out.resolve(SweepReport.PLOT).toFile());
        assertEquals(800, png.getWidth());
        assertTrue(Files.readString(out.resolve(SweepReport.JSON)).contains("\"cleanError\""));

        // the weights a task trained on an executor equal the library's in this thread, bit for bit
        SweepPoint p = grid.get(1);
        float[] expected = trainHere(data, s, p).get("3.weight");
        try (Scope scope = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(out.resolve("runs").resolve(p.name()).resolve(SweepTask.CHECKPOINT), dev.lipreg.tensor.Backends.auto());
            assertArrayEquals(expected, f.tensors().get("3.weight").toFloatArray());
        }
    }

    /** The point trained in this JVM thread with the same seed and threads, straight through the library. */
    private static Map<String, float[]> trainHere(Path dir, SweepSettings s, SweepPoint p) {
        Dataset train = FashionMnist.load(dir, Split.TRAIN).sample(s.trainSubset(), s.seed());
        Dataset test = FashionMnist.load(dir, Split.TEST).sample(s.testSubset(), s.seed() + 1);
        try (TaskBackend tb = TaskBackend.open(s.taskThreads()); Scope scope = Scope.open()) {
            Module m = Presets.mlp(new int[]{1, 28, 28}, 10).build(new Init(tb.backend(), s.seed()));
            new Trainer(m, p.objective(), new Sgd(m.parameters(), s.lr(), s.momentum(), 0), LrSchedule.constant(s.lr()), tb.backend(),
                    new TrainerConfig(s.epochs(), s.batch(), s.seed(), null, 500)).fit(train, test);
            Tensor w = m.stateDict().get("3.weight");
            return Map.of("3.weight", w.toFloatArray());
        }
    }
}
