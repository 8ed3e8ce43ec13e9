package dev.lipreg.cli;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety (issue 21, deliverable 4) with real processes: a training run in a child JVM is
 * killed with SIGKILL at random moments, at least {@value #KILLS} times (so also while checkpoints
 * and history are being written), each time resumed. After every kill the directory must hold a
 * loadable checkpoint whose history is complete, and the run finished through all the resumes
 * must end with the same checkpoint bytes (weights, optimizer state, metadata) as an
 * uninterrupted run. A second process on a locked directory is refused.
 */
class KillResumeTest {
    private static final int KILLS = 20;
    private static final int EPOCHS = 60;

    @TempDir
    Path tmp;

    private List<String> args(Path data, Path spec, Path out) {
        return new ArrayList<>(List.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--batch", "10", "--lr", "0.05",
                "--epochs", Integer.toString(EPOCHS), "--backend", "reference", "--out", out.toString()));
    }

    private static Process child(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Lipreg.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void killedRunsResumeToTheUninterruptedWeights() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 20, 10);
        Path spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        long t0 = System.nanoTime();
        CliRun baseline = CliRun.of(args(data, spec, whole).toArray(String[]::new));
        System.out.printf("KillResumeTest: uninterrupted run of %d epochs in %.1f s%n", EPOCHS, (System.nanoTime() - t0) / 1e9);
        assertEquals(0, baseline.code(), baseline.dump());

        Random random = new Random(21);
        int kills = 0, cycles = 0, rounds = 0, orphansSeen = 0, kilsBeforeFirstCheckpoint = 0;
        List<Integer> epochsAtKill = new ArrayList<>();
        while (kills < KILLS) {
            assertTrue(++cycles < 4 * KILLS, "runs finish before they can be killed " + KILLS + " times (" + kills + " kills)");
            List<String> a = args(data, spec, killed);
            if (Files.exists(killed.resolve(RunDir.CHECKPOINT))) a.add("--resume");
            Path log = tmp.resolve("child-" + cycles + ".log");
            Process p = child(a, log);
            // A fifth of the kills land during start-up, the rest while training: at a random moment after the child
            // holds the run lock, or just after it completed an epoch (so inside or right after checkpoint writes).
            boolean exited;
            int mode = random.nextInt(5);
            if (mode == 0) {
                exited = p.waitFor(random.nextInt(1500), TimeUnit.MILLISECONDS);
            } else if (mode == 1) {
                exited = !awaitLock(p, killed) || p.waitFor(random.nextInt(800), TimeUnit.MILLISECONDS);
            } else {
                exited = !awaitLock(p, killed) || !awaitNewCheckpoint(p, killed) || p.waitFor(random.nextInt(60), TimeUnit.MILLISECONDS);
            }
            if (exited) { // the run completed between kills: check it, then start another round
                p.waitFor();
                assertEquals(0, p.exitValue(), Files.readString(log));
                assertSameAsUninterrupted(whole, killed, kills);
                rounds++;
                try (var walk = Files.walk(killed)) {
                    for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
                }
                continue;
            }
            p.destroyForcibly(); // SIGKILL on POSIX
            p.waitFor();
            kills++;
            try (var files = Files.list(killed.toAbsolutePath().getParent().resolve(killed.getFileName()))) {
                orphansSeen += (int) files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count();
            } catch (java.nio.file.NoSuchFileException notYet) {
                // killed before the directory existed
            }
            if (!Files.exists(killed.resolve(RunDir.CHECKPOINT))) {
                kilsBeforeFirstCheckpoint++;
                continue;
            }
            RunDir.State state = new RunDir(killed).state(); // metadata readable
            try (Scope s = Scope.open()) {
                assertTrue(SafeTensors.read(killed.resolve(RunDir.CHECKPOINT), Backends.reference()).tensors().containsKey("0.weight"));
            }
            int historyEntries = Json.read(killed.resolve(RunDir.HISTORY)).size();
            assertTrue(historyEntries == state.epochsCompleted() || historyEntries == state.epochsCompleted() + 1,
                    "history holds every completed epoch (and at most one beyond): " + historyEntries + " for " + state.epochsCompleted());
            epochsAtKill.add(state.epochsCompleted());
        }
        List<String> rest = args(data, spec, killed);
        if (Files.exists(killed.resolve(RunDir.CHECKPOINT))) rest.add("--resume");
        Process finish = child(rest, tmp.resolve("finish.log"));
        assertTrue(finish.waitFor(120, TimeUnit.SECONDS), "the final resume finishes");
        assertEquals(0, finish.exitValue(), Files.readString(tmp.resolve("finish.log")));

        assertSameAsUninterrupted(whole, killed, kills);
        System.out.printf("KillResumeTest: %d kills (%d before the first checkpoint of a round), %d orphan temp files seen after kills, "
                + "%d round(s) of %d epochs each equal to the uninterrupted run; epochs completed at each kill %s%n", kills,
                kilsBeforeFirstCheckpoint, orphansSeen, rounds + 1, EPOCHS, epochsAtKill);
    }

    private static void assertSameAsUninterrupted(Path whole, Path killed, int kills) throws IOException {
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDir.CHECKPOINT)), Files.readAllBytes(killed.resolve(RunDir.CHECKPOINT)),
                "after " + kills + " kills and resumes the checkpoint equals the uninterrupted run's, byte for byte");
        assertEquals(Json.read(whole.resolve(RunDir.HISTORY)).size(), Json.read(killed.resolve(RunDir.HISTORY)).size());
        try (var files = Files.list(killed)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(), "orphan temp files are cleaned");
        }
    }

    @Test
    void aSecondProcessOnTheSameOutIsRefused() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 20, 10);
        Path spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
        Path out = tmp.resolve("run");
        Process first = child(args(data, spec, out), tmp.resolve("first.log"));
        try {
            // wait until the first holds the lock (it writes its pid into the lock file)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(out.resolve(RunLock.FILE)) && Files.size(out.resolve(RunLock.FILE)) > 0)) {
                assertTrue(System.nanoTime() < deadline && first.isAlive(), "first run never locked " + out);
                Thread.sleep(20);
            }
            Process second = child(args(data, spec, out), tmp.resolve("second.log"));
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            String log = Files.readString(tmp.resolve("second.log"));
            assertEquals(2, second.exitValue(), log);
            assertTrue(log.contains("--out: " + out + " is in use by another lipreg run (pid " + first.pid() + ")"), log);
        } finally {
            first.destroyForcibly();
            first.waitFor();
        }
    }

    /** Waits until {@code p} replaced the checkpoint of {@code dir} at least once; false if it exited first. */
    private static boolean awaitNewCheckpoint(Process p, Path dir) throws IOException, InterruptedException {
        Path checkpoint = dir.resolve(RunDir.CHECKPOINT);
        Object before = fileKey(checkpoint);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                Object now = fileKey(checkpoint);
                if (now != null && !now.equals(before)) return true;
            } catch (IOException renaming) {
                // between unlink and rename on some file systems
            }
            Thread.sleep(2);
        }
        return p.isAlive();
    }

    private static Object fileKey(Path f) throws IOException {
        return Files.exists(f) ? Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey() : null;
    }

    /** Waits until {@code p} holds the lock of {@code dir} (its pid in the lock file); false if it exited first. */
    private static boolean awaitLock(Process p, Path dir) throws IOException, InterruptedException {
        Path lock = dir.resolve(RunLock.FILE);
        String pid = Long.toString(p.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                if (Files.readString(lock).strip().equals(pid)) return true;
            } catch (IOException notYet) {
                // no lock file yet
            }
            Thread.sleep(5);
        }
        return p.isAlive();
    }

}
