package dev.lipreg.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every malformed argument of {@code train}: exit code 2, one clear line naming the argument, nothing written. */
class BadInputTest {
    @TempDir
    Path tmp;
    Path data, spec, out;

    @BeforeEach
    void setUp() {
        data = TinyData.write(tmp.resolve("data"), 20, 10);
        spec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
        out = tmp.resolve("out");
    }

    static Stream<Arguments> badTrainArguments() {
        return Stream.of(
                Arguments.of(List.of("--model", "no-such-preset"), "--model: expected a preset (fashion-cnn, mlp, resnet-small, resnext34-2x32)"),
                Arguments.of(List.of("--lr", "abc"), "Invalid value for option '--lr': 'abc' is not a double"),
                Arguments.of(List.of("--lr", "-0.1"), "--lr: expected a finite learning rate > 0, got -0.1"),
                Arguments.of(List.of("--epochs", "x2"), "Invalid value for option '--epochs'"),
                Arguments.of(List.of("--epochs", "0"), "--epochs: expected a count >= 1, got 0"),
                Arguments.of(List.of("--batch", "0"), "--batch: expected a batch size >= 1, got 0"),
                Arguments.of(List.of("--lip", "-1"), "--lip: expected a finite number >= 0, got -1.0"),
                Arguments.of(List.of("--tv", "NaN"), "--tv: expected a finite number >= 0, got NaN"),
                Arguments.of(List.of("--squared", "-2"), "--squared: expected a finite number >= 0"),
                Arguments.of(List.of("--fd", "0"), "--fd: expected a finite step h > 0, got 0.0"),
                Arguments.of(List.of("--norm", "l7"), "--norm: expected l2 or linf, got 'l7'"),
                Arguments.of(List.of("--loss", "hinge"), "--loss: expected cross-entropy, nll or tanh-squared, got 'hinge'"),
                Arguments.of(List.of("--optimizer", "rmsprop"), "--optimizer: expected sgd, adam or adamw, got 'rmsprop'"),
                Arguments.of(List.of("--momentum", "1.5"), "--momentum: expected a number in [0, 1), got 1.5"),
                Arguments.of(List.of("--weight-decay", "-1"), "--weight-decay: expected a finite number >= 0"),
                Arguments.of(List.of("--schedule", "step:0:0.1"), "--schedule: expected constant, step:SIZE:GAMMA"),
                Arguments.of(List.of("--schedule", "linear"), "--schedule: expected constant, step:SIZE:GAMMA"),
                Arguments.of(List.of("--adv", "pgd:0:0.1"), "--adv: expected pgd:STEPS:EPS[:l2|linf] or fgsm:EPS[:l2|linf]"),
                Arguments.of(List.of("--adv", "cw"), "--adv: expected pgd:STEPS:EPS"),
                Arguments.of(List.of("--train-subset", "-5"), "--train-subset: expected a count >= 0 (0 = all), got -5"),
                Arguments.of(List.of("--data", "imagenet"), "--data: expected one of fashion-mnist, mnist, cifar10, cifar100, got 'imagenet'"),
                Arguments.of(List.of("--backend", "tpu"), "--backend: expected auto, dnnl, cuda or reference, got 'tpu'"),
                Arguments.of(List.of("--no-such-flag"), "Unknown option: '--no-such-flag'"));
    }

    @ParameterizedTest
    @MethodSource("badTrainArguments")
    void badTrainArgument(List<String> bad, String message) {
        List<String> args = new ArrayList<>(List.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--epochs", "1",
                "--backend", "reference", "--out", out.toString()));
        args.addAll(bad);
        expectBadInput(CliRun.of(args.toArray(String[]::new)), message);
    }

    @Test
    void missingDatasetSaysHowToInstallIt() {
        CliRun r = CliRun.of("train", "--data-dir", tmp.resolve("nowhere").toString(), "--out", out.toString());
        expectBadInput(r, "fashion-mnist dataset not found: no directory");
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.dump());
    }

    @Test
    void incompleteDatasetNamesTheMissingFile() throws IOException {
        Files.delete(data.resolve("t10k-labels-idx1-ubyte.gz"));
        expectBadInput(train(), "fashion-mnist dataset incomplete in " + data);
    }

    @Test
    void corruptDatasetNamesTheFile() throws IOException {
        Path images = data.resolve("train-images-idx3-ubyte.gz");
        byte[] gz = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(gz, gz.length / 2));
        expectBadInput(train(), "corrupt fashion-mnist file: " + images);
    }

    @Test
    void malformedSpecFile() throws IOException {
        Files.writeString(spec, "{\"input\": [1, 8, 8], \"classes\": 10, \"layers\": [{\"type\": \"conv9d\"}]");
        expectBadInput(train(), "--model: ");
    }

    @Test
    void specThatDoesNotFitTheData() throws IOException {
        Files.writeString(spec, Files.readString(spec).replace("[1, 8, 8]", "[3, 8, 8]").replace("\"in\": 1,", "\"in\": 3,"));
        expectBadInput(train(), "--model: model 'tiny-cnn' takes [3, 8, 8] images and 10 classes, but the data has [1, 8, 8] images");
    }

    @Test
    void corruptCheckpointOnResume() throws IOException {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.write(run.resolve("checkpoint.safetensors"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        CliRun r = CliRun.of("train", "--resume", "--out", run.toString(), "--data-dir", data.toString());
        assertEquals(2, r.code(), r.dump());
        assertTrue(r.err().contains("bad safetensors file " + run.resolve("checkpoint.safetensors")), r.dump());
    }

    @Test
    void resumeWithoutCheckpoint() {
        expectBadInput(CliRun.of("train", "--resume", "--out", out.toString()), "--resume: " + out + " holds no checkpoint.safetensors");
    }

    @Test
    void missingRequiredOption() {
        expectBadInput(CliRun.of("train", "--epochs", "1"), "Missing required option: '--out=DIR'");
    }

    @Test
    void unknownSubcommand() {
        CliRun r = CliRun.of("fly");
        assertEquals(2, r.code(), r.dump());
        assertTrue(r.err().contains("Unmatched argument at index 0: 'fly'"), r.dump());
    }

    CliRun train() {
        return CliRun.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--epochs", "1", "--backend", "reference",
                "--out", out.toString());
    }

    /** Exit code 2, the message on one line of stderr, no stack trace, and nothing written to --out. */
    void expectBadInput(CliRun r, String message) {
        assertEquals(2, r.code(), r.dump());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + r.dump());
        assertTrue(lines.getFirst().startsWith("lipreg"), r.dump());
        assertTrue(lines.getFirst().contains(message), "expected '" + message + "' in: " + r.dump());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.dump());
        assertFalse(Files.exists(out), "nothing written to --out: " + r.dump());
    }
}
