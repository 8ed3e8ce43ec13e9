package dev.lipreg.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad checkpoints, missing data and failed jobs end as one line on the driver, not executor stack traces. */
class FaultsTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = LipregSpark.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), TestSpark.context()).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static void assertOneLine(Run r, int exit, String... contains) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        for (String c : contains) assertTrue(r.err().contains(c), r.err());
    }

    @Test
    void evalPrintsTheTableAndWritesTheReport() throws Exception {
        TestData.fashionMnist();
        Run r = run("eval", "--checkpoint", TestModels.shared(0).toString(), "--test-subset", "20", "--attacks", "pgd", "--pgd-steps", "2",
                "--eps-l2", "1", "--eps-linf", "none", "--attack-batch", "10", "--out", dir.toString());
        assertEquals(LipregSpark.OK, r.exit(), r.err());
        assertTrue(r.out().startsWith("| model | clean err | err ℓ2 1.00 |"), r.out());
        assertTrue(r.out().contains("20 test images of fashion-mnist-test[sample 20 seed 0]; attacks: pgd."), r.out());
        assertEquals(r.out().substring(0, r.out().indexOf("\nreport: ")), Files.readString(dir.resolve("report.md")));
        assertTrue(Files.readString(dir.resolve("report.json")).contains("\"cleanError\""));
    }

    @Test
    void aCorruptCheckpointIsOneLineOnTheDriver() throws Exception {
        TestData.fashionMnist();
        Path run = dir.resolve("broken");
        Files.createDirectories(run);
        Files.writeString(run.resolve("model.json"), dev.lipreg.nn.Presets.mlp(new int[]{1, 28, 28}, 10).toJson());
        Files.write(run.resolve("checkpoint.safetensors"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        Run r = run("eval", "--checkpoint", run.toString(), "--test-subset", "10", "--attacks", "pgd");
        assertOneLine(r, LipregSpark.BAD_INPUT, "lipreg-spark eval: --checkpoint: ", "checkpoint.safetensors");
        assertOneLine(run("eval", "--checkpoint", dir.resolve("none").toString()), LipregSpark.BAD_INPUT, "no such file");
    }

    @Test
    void missingDataIsOneLineBeforeAnyTask() {
        Path missing = dir.resolve("no-data");
        assertOneLine(run("sweep", "--data-dir", missing.toString(), "--out", dir.resolve("out").toString()), LipregSpark.BAD_INPUT,
                "--data-dir: fashion-mnist dataset not found: no directory " + missing);
        assertOneLine(run("sweep", "--lip", "-1", "--out", dir.toString()), LipregSpark.BAD_INPUT, "lip: expected a finite number >= 0, got -1.0");
    }

    @Test
    void aTaskFailingEveryAttemptIsOneLine() throws Exception {
        TestData.fashionMnist();
        Path model = TestModels.shared(0);
        EvalJob job = new EvalJob("fashion-mnist", TestData.FASHION_MNIST.toString(), 20, DistributedEvaluationTest.SETTINGS, 1, 1);
        JobFailedException e = assertThrows(JobFailedException.class, () -> DistributedEvaluation.run(TestSpark.context(), List.of(model), job,
                slice -> {
                    throw new IllegalStateException("corrupt partition " + slice.first());
                }));
        assertEquals("evaluation failed: corrupt partition 0", e.getMessage());
    }
}
