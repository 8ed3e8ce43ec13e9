package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttackDetectCommandTest {
    @TempDir
    static Path shared;
    static TrainedModels models;
    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        models = TrainedModels.train(shared);
    }

    CliRun attack(Path out, String... more) {
        String[] base = {"attack", "--checkpoint", models.plain().toString(), "--data-dir", models.data().toString(), "--test-subset", "12",
                "--backend", "reference", "--pgd-steps", "5", "--out", out.toString()};
        return CliRun.of(TrainCommandTest.concat(base, more));
    }

    @Test
    void writesAdversarialExamplesWithinTheBudget() {
        Path out = tmp.resolve("adv/pgd.safetensors");
        CliRun r = attack(out, "--attack", "pgd", "--norm", "linf", "--eps", "0.1");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("pgd-linf on plain: "), r.dump());
        try (Scope s = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(out, Backends.reference());
            assertEquals(Shape.of(12, 1, 8, 8), f.tensor("x_adv").shape());
            assertEquals(Shape.of(12, 1, 8, 8), f.tensor("x").shape());
            assertEquals(Shape.of(12), f.tensor("y").shape());
            assertEquals(Shape.of(12), f.tensor("success").shape());
            float[] adv = f.tensor("x_adv").toFloatArray(), x = f.tensor("x").toFloatArray();
            for (int i = 0; i < adv.length; i++) {
                assertTrue(adv[i] >= 0 && adv[i] <= 1, "clipped to [0,1]");
                assertTrue(Math.abs(adv[i] - x[i]) <= 0.1 + 1e-6, "within the ℓ∞ budget");
            }
            double[] d = f.tensor("distances").toDoubleArray();
            for (double v : d) assertTrue(v <= 0.1 + 1e-6);
            assertEquals("pgd-linf", f.metadata().get("attack"));
        }
    }

    @Test
    void minimalDistanceAttackNeedsNoBudget() {
        Path out = tmp.resolve("df.safetensors");
        CliRun r = attack(out, "--attack", "deepfool");
        assertEquals(0, r.code(), r.dump());
        try (Scope s = Scope.open()) {
            long[] success = SafeTensors.read(out, Backends.reference()).tensor("success").toLongArray();
            assertTrue(java.util.Arrays.stream(success).sum() >= 10, "DeepFool breaks (nearly) every image of a tiny model");
        }
    }

    @Test
    void badAttackArguments() {
        Path out = tmp.resolve("bad.safetensors");
        EvalCommandTest.expectBadInput(attack(out, "--attack", "pgd"), "--eps: expected a budget ε > 0 for pgd, got none", out);
        EvalCommandTest.expectBadInput(attack(out, "--attack", "cw", "--norm", "linf"), "--norm: expected a norm cw supports, got linf", out);
        EvalCommandTest.expectBadInput(attack(out, "--attack", "pgd", "--eps", "-0.1"), "--eps: expected budgets ε > 0, got -0.1", out);
        EvalCommandTest.expectBadInput(attack(out, "--attack", "pgd", "--eps", "0.1", "--norm", "l1"), "--norm: expected l2 or linf, got 'l1'", out);
    }

    @Test
    void detectsAdversarialExamplesAndDrawsTheRoc() {
        Path out = tmp.resolve("detect");
        CliRun r = CliRun.of("detect", "--checkpoint", models.plain().toString(), "--data-dir", models.data().toString(), "--test-subset", "16",
                "--attacks", "pgd,deepfool", "--eps", "1", "--pgd-steps", "3", "--evasive", "--cw-steps", "3", "--backend", "reference",
                "--out", out.toString());
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("| attack | adversarial examples |"), r.dump());
        JsonNode report = Json.read(out.resolve("detect.json"));
        assertTrue(report.get("falsePositiveRate").asDouble() <= 0.05 + 1e-12, report.toString());
        assertEquals(3, report.get("attacks").size());
        assertEquals("probability", report.get("statistic").asText());
        assertEquals("cw-l2-evasive", report.get("attacks").get(2).get("attack").asText());
        for (JsonNode a : report.get("attacks")) {
            double undetected = a.get("undetected").asDouble(), rate = a.get("detectionRate").asDouble(Double.NaN);
            if (a.get("adversarials").asInt() > 0) assertEquals(a.get("adversarials").asInt() * (1 - rate) / 16, undetected, 1e-12, a.toString());
        }
        for (JsonNode a : report.get("attacks")) {
            if (a.get("adversarials").asInt() == 0) continue;
            assertTrue(a.get("detectionRate").asDouble() >= 0 && a.get("detectionRate").asDouble() <= 1, a.toString());
            assertTrue(a.get("auc").asDouble() >= 0 && a.get("auc").asDouble() <= 1, a.toString());
        }
        assertTrue(Files.exists(out.resolve("roc.png")) && Files.exists(out.resolve("detect.md")));
    }

    @Test
    void badDetectArguments() {
        Path out = tmp.resolve("bad");
        List<String> base = List.of("detect", "--checkpoint", models.plain().toString(), "--data-dir", models.data().toString(), "--out", out.toString());
        EvalCommandTest.expectBadInput(CliRun.of(TrainCommandTest.concat(base.toArray(String[]::new), "--fpr", "1.5")),
                "--fpr: expected a rate in (0, 1), got 1.5", out);
        EvalCommandTest.expectBadInput(CliRun.of(TrainCommandTest.concat(base.toArray(String[]::new), "--statistic", "entropy")),
                "--statistic: expected probability, loss or max-logit, got 'entropy'", out);
        EvalCommandTest.expectBadInput(CliRun.of(TrainCommandTest.concat(base.toArray(String[]::new), "--attacks", "bisect")),
                "--attacks: expected attacks other than bisect", out);
    }
}
