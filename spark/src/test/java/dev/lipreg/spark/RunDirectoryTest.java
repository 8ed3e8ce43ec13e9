package dev.lipreg.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A retried task's run replaces the earlier attempt's; killed attempts' staging directories are removed. */
class RunDirectoryTest {
    @TempDir
    Path dir;

    private static Path staged(Path target, String content) throws Exception {
        Path s = RunDirectory.staging(target);
        Files.writeString(s.resolve("checkpoint.safetensors"), content);
        return s;
    }

    @Test
    void aRetryReplacesThePublishedRunWhole() throws Exception {
        Path target = dir.resolve("runs").resolve("lip0.1");
        Path first = staged(target, "attempt 0");
        Files.writeString(first.resolve("only-in-attempt-0"), "x");
        RunDirectory.publish(first, target);
        RunDirectory.publish(staged(target, "attempt 1"), target);
        assertEquals("attempt 1", Files.readString(target.resolve("checkpoint.safetensors")));
        assertFalse(Files.exists(target.resolve("only-in-attempt-0")), "nothing of the earlier attempt is left inside");
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList(), "no staging or old directories beside it");
        }
    }

    @Test
    void leftoversOfKilledAttemptsAreRemoved() throws Exception {
        Path target = dir.resolve("lip1");
        RunDirectory.publish(staged(target, "done"), target);
        staged(target, "killed before publishing");
        RunDirectory.removeLeftovers(dir);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void slicesAreWholeAttackBatchesCoveringEveryImageOnce() {
        EvalJob job = new EvalJob("fashion-mnist", "/d", 250, DistributedEvaluationTest.SETTINGS, 1, 2);
        List<EvalTask.Slice> slices = DistributedEvaluation.slices(250, job, 2, 4);
        assertEquals(List.of(new EvalTask.Slice(0, 0, 80), new EvalTask.Slice(0, 80, 80), new EvalTask.Slice(0, 160, 80), new EvalTask.Slice(0, 240, 10),
                new EvalTask.Slice(1, 0, 80), new EvalTask.Slice(1, 80, 80), new EvalTask.Slice(1, 160, 80), new EvalTask.Slice(1, 240, 10)), slices);
        // automatic: 7 batches of 40 per model, 2 models over a parallelism of 4 → 4 batches per task
        EvalJob auto = new EvalJob("fashion-mnist", "/d", 250, DistributedEvaluationTest.SETTINGS, 1, 0);
        assertEquals(List.of(0, 160, 0, 160), DistributedEvaluation.slices(250, auto, 2, 4).stream().map(EvalTask.Slice::first).toList());
    }
}
