package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalCommandTest {
    @TempDir
    static Path shared;
    static TrainedModels models;
    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        models = TrainedModels.train(shared);
    }

    List<String> eval(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("eval", "--checkpoint", models.plain().toString(), "--checkpoint", models.robust().toString(),
                "--data-dir", models.data().toString(), "--test-subset", "20", "--backend", "reference", "--pgd-steps", "3",
                "--bisection-steps", "3", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void comparesModelsAndWritesReportTableAndPlots() throws IOException {
        Path out = tmp.resolve("report");
        CliRun r = CliRun.of(eval(out, "--eps-l2", "0.5,1", "--eps-linf", "0.05", "--attacks", "pgd,fgsm,deepfool,bisect").toArray(String[]::new));
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("| model | clean err | err ℓ2 0.500 | err ℓ2 1.00 | err ℓ∞ 0.0500 | median ℓ2 dist"), r.dump());
        assertTrue(r.out().contains("| plain |") && r.out().contains("| robust |"), r.dump());
        assertTrue(r.err().contains("plain pgd-l2: 40/40 img"), "progress per attack: " + r.dump());

        JsonNode report = Json.read(out.resolve("report.json"));
        assertEquals(20, report.get("images").asInt());
        assertEquals(2, report.get("models").size());
        for (JsonNode m : report.get("models")) {
            double clean = m.get("cleanError").asDouble();
            JsonNode l2 = m.get("errors").get("l2");
            assertEquals(List.of("pgd-l2", "fgm-l2", "deepfool-l2", "pgd-l2-bisection"), names(l2.get("byAttack")), m.toString());
            for (JsonNode e : l2.get("error")) assertTrue(e.asDouble() >= clean && e.asDouble() <= 1, "attacks only add errors: " + m);
            assertTrue(m.get("medianDistance").has("l2") && m.get("medianDistance").has("linf"), m.toString());
            assertTrue(m.get("gradients").get("maxL2").asDouble() >= m.get("gradients").get("meanL2").asDouble(), m.toString());
            JsonNode cert = m.get("certification");
            assertTrue(cert.get("lipschitzBound").asDouble() > 0, m.toString());
            for (JsonNode a : cert.get("accuracy")) assertTrue(a.asDouble() <= 1 - clean + 1e-12, "certified ⊆ correct: " + m);
            assertTrue(m.get("attackSeconds").has("deepfool-linf"), m.toString());
        }
        assertEquals(Files.readString(out.resolve("report.md")).strip(), r.out().substring(0, r.out().indexOf("report: ")).strip());
        for (String png : List.of("error-l2.png", "error-linf.png", "grad-norms.png")) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(b, 4), png);
        }
    }

    /** The ensemble: its error ≥ each member's, the worst case ≥ every attack's, the median from the strong minimal-distance attacks. */
    @Test
    void ensembleWorstCasePerImage() {
        Path out = tmp.resolve("ensemble");
        CliRun r = CliRun.of(eval(out, "--eps-l2", "0.5,1", "--eps-linf", "none", "--attacks", "ensemble,pgd", "--square-queries", "30",
                "--cw-steps", "10").toArray(String[]::new));
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("Median ℓ2 distance: per image the smallest found by pgd-l2-bisection, cw-l2, deepfool-l2."), r.dump());
        assertTrue(r.out().contains("Certified accuracy: correct images whose logit margin / (√2·L) ≥ ε, L the product of sound per-layer bounds"), r.dump());
        JsonNode report = Json.read(out.resolve("report.json"));
        for (JsonNode m : report.get("models")) {
            JsonNode l2 = m.get("errors").get("l2");
            assertEquals(List.of("ensemble-l2", "pgd-l2-bisection", "cw-l2", "deepfool-l2", "pgd-l2"), names(l2.get("byAttack")), m.toString());
            for (int j = 0; j < 2; j++) {
                double worst = l2.get("error").get(j).asDouble();
                for (JsonNode e : l2.get("byAttack")) assertTrue(worst >= e.get(j).asDouble(), "worst case per image: " + m);
            }
            assertEquals("pgd-l2-bisection+cw-l2+deepfool-l2", m.get("distanceAttacks").get("l2").asText());
            assertTrue(m.get("certification").get("method").asText().startsWith("product of sound per-layer bounds"), m.toString());
        }
    }

    @Test
    void decisionAndOptimizationAttacksWithOneNorm() {
        Path out = tmp.resolve("cw");
        CliRun r = CliRun.of(eval(out, "--eps-l2", "1", "--eps-linf", "none", "--attacks", "cw,boundary,apgd", "--cw-steps", "5",
                "--boundary-steps", "10", "--test-subset", "8", "--no-certify").toArray(String[]::new));
        assertEquals(0, r.code(), r.dump());
        JsonNode m = Json.read(out.resolve("report.json")).get("models").get(0);
        assertEquals(List.of("cw-l2", "boundary", "apgd-l2"), names(m.get("errors").get("l2").get("byAttack")).stream()
                .map(s -> s.startsWith("apgd") ? "apgd-l2" : s).toList(), m.toString());
        assertFalse(m.get("errors").has("linf"));
        assertTrue(m.get("certification").isNull());
        assertFalse(Files.exists(out.resolve("error-linf.png")));
    }

    static List<String> names(JsonNode object) {
        List<String> n = new ArrayList<>();
        object.fieldNames().forEachRemaining(n::add);
        return n;
    }

    static Stream<Arguments> badEvalArguments() {
        return Stream.of(
                Arguments.of(List.of("--attacks", "pgd,laser"), "--attacks: expected attacks among pgd, fgsm, apgd, apgd-dlr, square, bim, ensemble"),
                Arguments.of(List.of("--eps-l2", "0.5,-1"), "--eps-l2: expected budgets ε > 0, got -1.0"),
                Arguments.of(List.of("--eps-linf", "a,b"), "--eps-linf: expected comma-separated budgets ε > 0 (or none), got 'a,b'"),
                Arguments.of(List.of("--eps-l2", "none", "--eps-linf", "none"), "--eps-l2/--eps-linf: expected at least one budget"),
                Arguments.of(List.of("--pgd-steps", "0"), "--pgd-steps: expected a count >= 1, got 0"),
                Arguments.of(List.of("--test-subset", "0"), "--test-subset: expected a count >= 1, got 0"),
                Arguments.of(List.of("--checkpoint", "/no/such/run"), "--checkpoint: expected a run directory holding checkpoint.safetensors"));
    }

    @ParameterizedTest
    @MethodSource("badEvalArguments")
    void badEvalArgument(List<String> bad, String message) {
        Path out = tmp.resolve("bad");
        List<String> args = eval(out);
        args.addAll(bad);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        expectBadInput(r, message, out);
    }

    @Test
    void checkpointWithoutSpecOrCorrupt() throws IOException {
        Path run = tmp.resolve("copy");
        Files.createDirectories(run);
        Files.copy(models.plain().resolve("checkpoint.safetensors"), run.resolve("checkpoint.safetensors"));
        Path out = tmp.resolve("bad");
        expectBadInput(CliRun.of("eval", "--checkpoint", run.toString(), "--data-dir", models.data().toString(), "--out", out.toString()),
                "--checkpoint: expected the model spec model.json beside the checkpoint", out);
        Files.copy(models.plain().resolve("model.json"), run.resolve("model.json"));
        byte[] b = Files.readAllBytes(run.resolve("checkpoint.safetensors"));
        Files.write(run.resolve("checkpoint.safetensors"), java.util.Arrays.copyOf(b, b.length - 10));
        expectBadInput(CliRun.of("eval", "--checkpoint", run.toString(), "--data-dir", models.data().toString(), "--backend", "reference",
                "--out", out.toString()), "bad safetensors file", out);
    }

    static void expectBadInput(CliRun r, String message, Path out) {
        assertEquals(2, r.code(), r.dump());
        assertEquals(1, r.err().lines().count(), r.dump());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.dump());
        assertFalse(Files.exists(out), "nothing written: " + r.dump());
    }
}
