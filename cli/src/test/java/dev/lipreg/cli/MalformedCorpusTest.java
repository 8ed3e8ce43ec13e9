package dev.lipreg.cli;

import dev.lipreg.autograd.Variable;
import dev.lipreg.data.CifarFormat;
import dev.lipreg.data.CifarReader;
import dev.lipreg.data.IdxReader;
import dev.lipreg.errors.BadInputFileException;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the malformed-input corpus ({@link MalformedCorpus}, over 1,000 files under
 * src/test/resources/corpus) through the public API and the CLI, asserting each file's documented
 * outcome: success, or a documented exception / exit code 2 with one line naming the problem.
 * Nothing may crash, run out of memory, hang or exit 1.
 */
class MalformedCorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/corpus");

    record Case(Path file, String kind, int partner, String api, String cli) {
        @Override
        public String toString() {
            return file.getFileName() + " (" + kind + ")";
        }
    }

    static List<Case> cases;

    @BeforeAll
    static void load() throws IOException {
        cases = new ArrayList<>();
        for (String line : Files.readAllLines(CORPUS.resolve(MalformedCorpus.MANIFEST))) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            cases.add(new Case(CORPUS.resolve(f[0]), f[1], Integer.parseInt(f[2]), f[3], f[4]));
        }
    }

    @Test
    void theCorpusIsWhatTheGeneratorWrites(@TempDir Path tmp) throws IOException {
        assertTrue(cases.size() >= 1000, "at least 1,000 cases, got " + cases.size());
        int n = MalformedCorpus.generate(tmp);
        assertEquals(cases.size(), n);
        assertEquals(Files.readString(CORPUS.resolve(MalformedCorpus.MANIFEST)), Files.readString(tmp.resolve(MalformedCorpus.MANIFEST)),
                "run 'make corpus' after changing MalformedCorpus");
        for (Case c : cases) {
            byte[] regenerated = Files.readAllBytes(tmp.resolve(CORPUS.relativize(c.file()).toString()));
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(c.file()), regenerated), c + " differs from the generator's");
        }
    }

    // ------------------------------------------------------------------ API

    @Test
    void everyCaseThroughThePublicApi() {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            Throwable thrown = null;
            try (Scope s = Scope.open()) {
                switch (c.kind()) {
                    case "idx-images" -> IdxReader.readImages(c.file());
                    case "idx-labels" -> IdxReader.readLabels(c.file(), 10);
                    case "cifar10" -> CifarReader.read(List.of(c.file()), CifarFormat.CIFAR10, "c");
                    case "cifar100" -> CifarReader.read(List.of(c.file()), CifarFormat.CIFAR100_FINE, "c");
                    case "safetensors" -> SafeTensors.read(c.file(), Backends.reference());
                    case "spec" -> ModelSpec.read(c.file());
                    case "onnx" -> OnnxModel.load(c.file(), Backends.reference()) // and a forward pass on a batch of two 1x8x8 images
                            .forward(Variable.constant(Backends.reference().full(Shape.of(2, 1, 8, 8), DType.FLOAT32, 0.5)));
                    default -> throw new IllegalStateException("unknown kind " + c.kind());
                }
            } catch (BadInputFileException | IllegalArgumentException e) {
                thrown = e; // the documented failures
            } catch (Throwable e) {
                failures.add(c + ": undocumented " + e);
                continue;
            }
            String problem = judge(c.api(), thrown == null ? null : thrown.getMessage(), thrown == null);
            if (problem != null) failures.add(c + " API: " + problem);
        }
        assertEquals(List.of(), failures);
    }

    /** Null if {@code message} (null on success) meets {@code outcome}, else what is wrong. */
    private static String judge(String outcome, String message, boolean ok) {
        if (!ok && (message == null || message.isBlank() || message.contains("\n") || message.matches(".*\\b(java|javax)\\.[a-z.]+\\.[A-Z]\\w+.*"))) {
            return "not a one-line message naming the problem: " + message;
        }
        if (outcome.equals("ok")) return ok ? null : "expected success, got: " + message;
        if (outcome.equals("any")) return null;
        String fragment = outcome.substring("error:".length());
        if (ok) return "expected an error containing '" + fragment + "', got success";
        return message.contains(fragment) ? null : "expected '" + fragment + "' in: " + message;
    }

    // ------------------------------------------------------------------ CLI

    @Test
    void everyCaseThroughTheCli(@TempDir Path tmp) throws IOException {
        Path tinySpec = TinyData.cnnSpec(tmp.resolve("tiny.json"));
        Path idxData = TinyData.write(tmp.resolve("idx"), 20, 10);
        Path cifar10 = Files.createDirectories(tmp.resolve("cifar10")), cifar100 = Files.createDirectories(tmp.resolve("cifar100"));
        for (String f : List.of("data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin")) {
            Files.write(cifar10.resolve(f), cifarRecord(1, 3));
        }
        Files.write(cifar100.resolve("test.bin"), cifarRecord(2, 7));
        Path cifarSpec = Files.writeString(tmp.resolve("cifar.json"), "{\"input\": [3, 32, 32], \"classes\": 10, \"layers\": [{\"type\": \"flatten\"}, "
                + "{\"type\": \"linear\", \"in\": 3072, \"out\": 10}]}");
        Path cifar100Spec = Files.writeString(tmp.resolve("cifar100.json"), Files.readString(cifarSpec).replace("10", "100").replace("3072", "3072"));
        Path batch = tmp.resolve("batch.safetensors");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> b = new LinkedHashMap<>();
            b.put("x", Tensor.of(Backends.reference(), new float[2 * 64], 2, 1, 8, 8));
            b.put("y", Tensor.ofLabels(Backends.reference(), new long[]{3, 7}));
            SafeTensors.write(batch, b);
        }

        List<String> failures = new ArrayList<>();
        boolean restored = false;
        int n = 0;
        for (Case c : cases) {
            Path out = tmp.resolve("out-" + n++);
            String[] args = switch (c.kind()) {
                case "idx-images", "idx-labels" -> {
                    boolean images = c.kind().equals("idx-images");
                    Files.copy(c.file(), idxData.resolve(images ? "train-images-idx3-ubyte.gz" : "train-labels-idx1-ubyte.gz"), StandardCopyOption.REPLACE_EXISTING);
                    Files.write(idxData.resolve(images ? "train-labels-idx1-ubyte.gz" : "train-images-idx3-ubyte.gz"), images
                            ? MalformedCorpus.idxLabels(new byte[c.partner()]) : MalformedCorpus.idxImages(c.partner(), 8, 8, new byte[c.partner() * 64]));
                    yield train("--model", tinySpec.toString(), "--data-dir", idxData.toString(), "--out", out.toString());
                }
                case "cifar10" -> {
                    Files.copy(c.file(), cifar10.resolve("data_batch_1.bin"), StandardCopyOption.REPLACE_EXISTING);
                    yield train("--data", "cifar10", "--model", cifarSpec.toString(), "--data-dir", cifar10.toString(), "--out", out.toString());
                }
                case "cifar100" -> {
                    Files.copy(c.file(), cifar100.resolve("train.bin"), StandardCopyOption.REPLACE_EXISTING);
                    yield train("--data", "cifar100", "--model", cifar100Spec.toString(), "--data-dir", cifar100.toString(), "--out", out.toString());
                }
                case "safetensors" -> new String[]{"grad", "--model", tinySpec.toString(), "--weights", c.file().toString(), "--input", batch.toString(),
                        "--backend", "reference", "--out", out + ".safetensors"};
                case "spec" -> train("--model", c.file().toString(), "--data-dir", idxData.toString(), "--out", out.toString());
                case "onnx" -> new String[]{"grad", "--model", c.file().toString(), "--input", batch.toString(), "--backend", "reference",
                        "--out", out + ".safetensors"};
                default -> throw new IllegalStateException(c.kind());
            };
            if (c.kind().equals("spec") && !restored) restored = TinyData.write(idxData, 20, 10) != null; // IDX cases left theirs
            CliRun r = CliRun.of(args);
            String problem;
            if (r.code() == 0) problem = judge(c.cli(), null, true);
            else if (r.code() == 2) {
                List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
                problem = lines.size() != 1 ? "exit 2 with " + lines.size() + " lines" : judge(c.cli(), lines.getFirst(), false);
            } else problem = "exit " + r.code() + " (expected 0 or 2)";
            if (problem != null) failures.add(c + " CLI: " + problem + "\n" + r.dump());
        }
        if (!failures.isEmpty()) fail(failures.size() + " of " + cases.size() + " cases failed through the CLI:\n" + String.join("\n", failures));
    }

    private static String[] train(String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--epochs", "1", "--batch", "10", "--backend", "reference", "--test-subset", "5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static byte[] cifarRecord(int labelBytes, int label) {
        byte[] b = new byte[labelBytes + 3072];
        for (int k = 0; k < labelBytes; k++) b[k] = (byte) label;
        return b;
    }
}
