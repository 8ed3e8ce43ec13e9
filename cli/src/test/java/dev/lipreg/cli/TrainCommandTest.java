package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lipreg.tensor.io.SafeTensorHeader;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @TempDir
    Path tmp;
    Path data, spec;

    @BeforeEach
    void setUp() {
        data = TinyData.write(tmp.resolve("data"), 60, 30);
        spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
    }

    /** The flags of a small, fast run on the tiny data (reference backend: the oracle, deterministic). */
    List<String> args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--batch", "20",
                "--lr", "0.05", "--backend", "reference", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    CliRun train(Path out, String... more) {
        return CliRun.of(args(out, more).toArray(String[]::new));
    }

    @Test
    void trainsAndWritesSpecCheckpointAndHistory() throws IOException {
        Path out = tmp.resolve("run");
        CliRun r = train(out, "--epochs", "2", "--lip", "0.1", "--tv", "0.01");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("epoch 2/2"), r.dump());
        assertTrue(r.err().contains("epoch 1/2: 3/3 batch"), "progress lines on stderr: " + r.dump());
        assertTrue(Files.readString(out.resolve("model.json")).contains("tiny-cnn"));
        SafeTensorHeader h = SafeTensors.readHeader(out.resolve("checkpoint.safetensors"));
        assertEquals("1", h.metadata().get("epoch"));
        assertEquals("2", h.metadata().get("epochs_completed"));
        assertTrue(h.metadata().get("settings").contains("\"lip\" : 0.1"), h.metadata().toString());
        List<String> names = h.tensors().stream().map(t -> t.name()).toList();
        assertTrue(names.contains("0.weight") && names.contains("4.bias"), names.toString());
        assertTrue(names.contains("optimizer.momentum_buffer.0.weight"), "optimizer state is saved: " + names);
        JsonNode history = Json.read(out.resolve("history.json"));
        assertEquals(2, history.size());
        assertTrue(history.get(1).get("penalties").has("lip(l2)"), history.toString());
        try (var files = Files.list(out)) {
            assertEquals(List.of(".lipreg.lock", "checkpoint.safetensors", "history.json", "model.json"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files are left");
        }
    }

    @Test
    void resumeIsBitIdenticalToAnUninterruptedRun() throws IOException {
        for (String optimizer : List.of("sgd", "adam")) {
            Path whole = tmp.resolve("whole-" + optimizer), split = tmp.resolve("split-" + optimizer);
            String[] common = {"--optimizer", optimizer, "--schedule", "step:1:0.5", "--tv", "0.01", "--fd", "0.01"};
            assertEquals(0, train(whole, concat(common, "--epochs", "2")).code());
            assertEquals(0, train(split, concat(common, "--epochs", "1")).code());
            CliRun resumed = CliRun.of("train", "--resume", "--epochs", "2", "--out", split.toString(), "--data-dir", data.toString(),
                    "--backend", "reference");
            assertEquals(0, resumed.code(), resumed.dump());
            assertTrue(resumed.out().contains("epoch 2/2") && !resumed.out().contains("epoch 1/2"), resumed.dump());
            assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoint.safetensors")), Files.readAllBytes(split.resolve("checkpoint.safetensors")),
                    optimizer + ": weights, optimizer state and metadata after 1 + 1 resumed epochs equal those after 2 epochs");
            assertEquals(2, Json.read(split.resolve("history.json")).size());
        }
    }

    @Test
    void resumeChecksTheRunAndStopsWhenDone() {
        Path out = tmp.resolve("run");
        assertEquals(0, train(out, "--epochs", "1").code());
        CliRun differs = CliRun.of("train", "--resume", "--epochs", "2", "--lr", "0.1", "--out", out.toString(), "--data-dir", data.toString());
        assertEquals(2, differs.code(), differs.dump());
        assertTrue(differs.err().contains("--lr: 0.1 differs from the run being resumed (0.05)"), differs.dump());
        CliRun done = CliRun.of("train", "--resume", "--epochs", "1", "--out", out.toString(), "--data-dir", data.toString());
        assertEquals(0, done.code(), done.dump());
        assertTrue(done.out().contains("nothing to do"), done.dump());
        CliRun again = train(out, "--epochs", "1");
        assertEquals(2, again.code(), again.dump());
        assertTrue(again.err().contains("already holds a training run; pass --resume"), again.dump());
    }

    @Test
    void adversarialTrainingRuns() {
        CliRun r = train(tmp.resolve("adv"), "--epochs", "1", "--adv", "pgd:2:0.1:linf");
        assertEquals(0, r.code(), r.dump());
        CliRun f = train(tmp.resolve("fgsm"), "--epochs", "1", "--adv", "fgsm:0.5", "--optimizer", "adamw", "--lr", "0.01",
                "--weight-decay", "0.01");
        assertEquals(0, f.code(), f.dump());
    }

    @Test
    void presetsAreSizedForTheData() throws IOException {
        CliRun r = train(tmp.resolve("mlp"), "--epochs", "1", "--model", "mlp", "--train-subset", "20", "--test-subset", "10");
        assertEquals(0, r.code(), r.dump());
        assertTrue(Files.readString(tmp.resolve("mlp/model.json")).contains("\"in\" : 64"));
    }

    @Test
    void divergenceIsAFailureNotBadInput() {
        Path out = tmp.resolve("nan");
        CliRun r = train(out, "--epochs", "1", "--lr", "1e30");
        assertEquals(1, r.code(), r.dump());
        assertTrue(r.err().contains("training diverged"), r.dump());
        assertFalse(Files.exists(out.resolve("checkpoint.safetensors")));
    }

    /**
     * {@code --penalty-grad-mode eval} reaches the objective (stored with the run, kept on resume): with batch norm the
     * penalized gradients differ from the training-mode ones, so do the weights. That each example's eval-mode gradient
     * is its own is proven in the library (BatchNormPenaltyTest.trainingModeGradientsCoupleTheExamplesOfABatch).
     */
    @Test
    void penaltyGradientModeIsPartOfTheRun() throws IOException {
        Path bnSpec = tmp.resolve("bn.json");
        TinyData.write(bnSpec, """
                {"name": "tiny-bn", "input": [1, 8, 8], "classes": 10, "layers": [
                  {"type": "conv2d", "in": 1, "out": 4, "kernel": 3, "padding": 1},
                  {"type": "batchnorm2d", "channels": 4},
                  {"type": "relu"},
                  {"type": "maxpool2d", "kernel": 2},
                  {"type": "flatten"},
                  {"type": "linear", "in": 64, "out": 10}]}
                """.getBytes());
        Path train = tmp.resolve("train-mode"), eval = tmp.resolve("eval-mode");
        assertEquals(0, train(train, "--epochs", "1", "--model", bnSpec.toString(), "--lip", "0.5").code());
        CliRun e = train(eval, "--epochs", "1", "--model", bnSpec.toString(), "--lip", "0.5", "--penalty-grad-mode", "eval");
        assertEquals(0, e.code(), e.dump());
        assertTrue(SafeTensors.readHeader(eval.resolve("checkpoint.safetensors")).metadata().get("settings")
                .contains("\"penaltyGradMode\" : \"eval\""));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(train.resolve("checkpoint.safetensors")),
                Files.readAllBytes(eval.resolve("checkpoint.safetensors"))), "eval-mode penalty gradients change the training");

        CliRun differs = CliRun.of("train", "--resume", "--epochs", "2", "--penalty-grad-mode", "train", "--out", eval.toString(),
                "--data-dir", data.toString());
        assertEquals(2, differs.code(), differs.dump());
        assertTrue(differs.err().contains("--penalty-grad-mode: train differs from the run being resumed (eval)"), differs.dump());
        CliRun bad = train(tmp.resolve("bad"), "--epochs", "1", "--penalty-grad-mode", "batch");
        assertEquals(2, bad.code(), bad.dump());
        assertTrue(bad.err().contains("--penalty-grad-mode: expected train or eval, got 'batch'"), bad.dump());
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
