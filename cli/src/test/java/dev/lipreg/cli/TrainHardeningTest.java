package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train/eval cases of issue 21: each ends with exit 2 and one clear line (or, where valid, success), never a hang. */
class TrainHardeningTest {
    @TempDir
    Path tmp;
    Path data, spec;

    @BeforeEach
    void setUp() {
        data = TinyData.write(tmp.resolve("data"), 20, 10);
        spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
    }

    private CliRun train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--batch", "10",
                "--backend", "reference", "--out", out.toString()));
        a.addAll(List.of(more));
        return CliRun.of(a.toArray(String[]::new));
    }

    static void expectBadInput(CliRun r, String message) {
        assertEquals(2, r.code(), r.dump());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + r.dump());
        assertTrue(lines.getFirst().contains(message), "expected '" + message + "' in: " + r.dump());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace, no exception name: " + r.dump());
    }

    @Test
    void hugeEpsilonIsRefusedNotPlottedForever() {
        CliRun r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> CliRun.of("eval", "--checkpoint", tmp.resolve("none").toString(), "--eps-l2", "1e200", "--out", tmp.resolve("e").toString()));
        expectBadInput(r, "--eps-l2: expected budgets ε <= 1000 (pixels lie in [0, 1]), got 1.0E200");
        expectBadInput(train(tmp.resolve("o"), "--adv", "pgd:3:1e200"), "--adv: expected pgd:STEPS:EPS[:l2|linf] or fgsm:EPS[:l2|linf] with STEPS >= 1 and 0 < EPS <= 1000");
    }

    @Test
    void trainAndTestImagesOfDifferentSizesAreRefusedBeforeTraining() throws IOException {
        Path other = TinyData.write(tmp.resolve("other"), 10, 10);
        // 8x8 training images, 4x4 test images
        Files.write(data.resolve("t10k-images-idx3-ubyte.gz"), TinyData.gzip(ByteBuffer.allocate(16 + 10 * 16)
                .putInt(0x803).putInt(10).putInt(4).putInt(4).array()));
        Files.copy(other.resolve("t10k-labels-idx1-ubyte.gz"), data.resolve("t10k-labels-idx1-ubyte.gz"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path out = tmp.resolve("out");
        CliRun r = train(out, "--epochs", "1");
        expectBadInput(r, "the test images are 1x4x4 in 10 classes but the training images are 1x8x8 in 10 classes");
        assertFalse(r.out().contains("epoch 1/1"), r.dump());
        assertFalse(Files.exists(out), "nothing written: " + r.dump());
    }

    @Test
    void zeroImageSetIsRefused() throws IOException {
        Files.write(data.resolve("train-images-idx3-ubyte.gz"), TinyData.gzip(ByteBuffer.allocate(16).putInt(0x803).putInt(0).putInt(8).putInt(8).array()));
        Files.write(data.resolve("train-labels-idx1-ubyte.gz"), TinyData.gzip(ByteBuffer.allocate(8).putInt(0x801).putInt(0).array()));
        expectBadInput(train(tmp.resolve("out"), "--epochs", "1"), "label count is 0, expected >= 1");
    }

    @Test
    void trailingNonGzipBytesAreRefused() throws IOException {
        Path f = data.resolve("train-labels-idx1-ubyte.gz");
        byte[] gz = Files.readAllBytes(f);
        byte[] more = java.util.Arrays.copyOf(gz, gz.length + 3);
        Files.write(f, more);
        expectBadInput(train(tmp.resolve("out"), "--epochs", "1"), "3 trailing bytes after the gzip stream");
    }

    @Test
    void datasetOverTheMemoryBudgetIsRefusedSayingHowToRaiseIt() {
        System.setProperty("lipreg.maxDataBytes", "4k"); // 20 8x8 images need 6400 bytes as bytes and floats
        try {
            CliRun r = train(tmp.resolve("o"), "--epochs", "1");
            expectBadInput(r, "fashion-mnist dataset too large: ");
            assertTrue(r.err().contains("over the data memory budget of 4096 bytes; raise it with -Dlipreg.maxDataBytes=BYTES or "
                    + "LIPREG_MAX_DATA_BYTES=BYTES"), r.dump());
        } finally {
            System.clearProperty("lipreg.maxDataBytes");
        }
    }

    @Test
    void outMustNameADirectory() throws IOException {
        expectBadInput(train(Path.of(""), "--epochs", "1"), "--out: expected a directory for the run, got ''");
        Path file = Files.writeString(tmp.resolve("a-file"), "keep me");
        expectBadInput(train(file, "--epochs", "1"), "--out: expected a directory for the run, got " + file + " (an existing file, not a directory)");
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void specWhoseWidthDiffersFromClassesIsRefused() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.json"), Files.readString(spec).replace("\"out\": 10", "\"out\": 7"));
        expectBadInput(CliRun.of("train", "--model", bad.toString(), "--data-dir", data.toString(), "--out", tmp.resolve("o").toString()),
                "the last layer outputs [7] per image, expected [10]");
    }

    @Test
    void parameterFreeSpecIsRefused() throws IOException {
        Path bad = Files.writeString(tmp.resolve("bad.json"), """
                {"input": [1, 8, 8], "classes": 4, "layers": [{"type": "maxpool2d", "kernel": 4}, {"type": "flatten"}]}""");
        expectBadInput(CliRun.of("train", "--model", bad.toString(), "--data-dir", data.toString(), "--out", tmp.resolve("o").toString()),
                "no layer has parameters");
    }

    /** Rewrites the checkpoint keeping only the entries {@code keep} accepts, with the same metadata; optionally poisons one weight. */
    private static void rewrite(Path checkpoint, java.util.function.Predicate<String> keep, boolean nan) {
        try (Scope s = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(checkpoint, Backends.reference());
            Map<String, Tensor> kept = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (!keep.test(k)) return;
                if (nan && k.equals("0.weight")) {
                    float[] w = v.toFloatArray();
                    w[3] = Float.NaN;
                    v = Tensor.of(Backends.reference(), w, v.shape().dims());
                }
                kept.put(k, v);
            });
            SafeTensors.write(checkpoint, kept, f.metadata());
        }
    }

    @Test
    void resumeWithoutOptimizerStateNeedsAnExplicitFlag() {
        Path out = tmp.resolve("run");
        assertEquals(0, train(out, "--epochs", "1").code());
        rewrite(out.resolve(RunDir.CHECKPOINT), k -> !k.startsWith("optimizer."), false);
        expectBadInput(train(out, "--epochs", "2", "--resume"), "holds 0 optimizer state tensors, but its run saved 4");
        CliRun ok = train(out, "--epochs", "2", "--resume", "--reset-optimizer");
        assertEquals(0, ok.code(), ok.dump());
        assertTrue(ok.out().contains("--reset-optimizer: resuming with a fresh sgd state"), ok.dump());
        expectBadInput(train(tmp.resolve("fresh"), "--reset-optimizer"), "--reset-optimizer: expected --resume as well");
    }

    @Test
    void nonFiniteWeightsAreRefused() {
        Path out = tmp.resolve("run");
        assertEquals(0, train(out, "--epochs", "1").code());
        rewrite(out.resolve(RunDir.CHECKPOINT), k -> true, true);
        expectBadInput(train(out, "--epochs", "2", "--resume"), "tensor '0.weight' holds NaN at element 3");
        expectBadInput(CliRun.of("eval", "--checkpoint", out.toString(), "--data-dir", data.toString(), "--backend", "reference",
                        "--test-subset", "5", "--no-certify", "--out", tmp.resolve("eval").toString()),
                "tensor '0.weight' holds NaN at element 3");
    }

    @Test
    void aSecondRunOnTheSameDirectoryIsRefused() {
        Path out = tmp.resolve("run");
        try (RunLock held = RunLock.acquire("--out", out)) {
            expectBadInput(train(out, "--epochs", "1"), "--out: " + out + " is in use by another lipreg run (pid " + ProcessHandle.current().pid() + ")");
            assertFalse(Files.exists(out.resolve(RunDir.CHECKPOINT)));
        }
        assertEquals(0, train(out, "--epochs", "1").code());
    }

    @Test
    void aKillBetweenHistoryAndCheckpointLosesNoEpoch() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, train(out, "--epochs", "2").code());
        JsonNode two = Json.read(out.resolve(RunDir.HISTORY));
        assertEquals(2, two.size());
        // history.json is renamed first: a kill before the checkpoint's rename leaves it one epoch ahead
        Json.writeFile(out.resolve(RunDir.HISTORY), ((com.fasterxml.jackson.databind.node.ArrayNode) two.deepCopy()).add(two.get(1)));
        Path orphan = Files.write(out.resolve(".checkpoint.safetensors.0b5e.tmp"), new byte[1000]);
        CliRun done = train(out, "--epochs", "2", "--resume");
        assertTrue(done.out().contains("nothing to do"), done.dump());
        assertEquals(two, Json.read(out.resolve(RunDir.HISTORY)), "trimmed to the checkpoint's epochs");
        assertFalse(Files.exists(orphan), "orphan temp files are removed");
        Json.writeFile(out.resolve(RunDir.HISTORY), ((com.fasterxml.jackson.databind.node.ArrayNode) two.deepCopy()).add(two.get(1)));
        CliRun r = train(out, "--epochs", "3", "--resume");
        assertEquals(0, r.code(), r.dump());
        JsonNode three = Json.read(out.resolve(RunDir.HISTORY));
        assertEquals(3, three.size());
        assertEquals(two.get(1), three.get(1));
        assertEquals(2, three.get(2).get("epoch").asInt(), three.toString());
    }
}
