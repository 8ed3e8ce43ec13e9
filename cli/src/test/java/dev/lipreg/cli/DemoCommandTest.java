package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void trainsBothModelsAndPrintsThemSideBySide() {
        Path data = TinyData.write(tmp.resolve("fashion"), 100, 30), out = tmp.resolve("demo");
        // fashion-cnn sized for 8x8 images: the demo's whole pipeline at toy scale
        CliRun r = CliRun.of("demo", "--data", data.toString(), "--out", out.toString(), "--eval-images", "5", "--batch", "25",
                "--detect-images", "0", "--cw-steps", "3", "--theory-images", "2", "--backend", "reference");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("| Fashion-MNIST, fashion-cnn"), r.dump());
        for (String row : new String[]{"clean error", "error at ℓ2 ε = 1.00", "error at ℓ∞ ε = 0.0500", "median ℓ2 distance", "max ‖∇ₓℓ‖₂"}) {
            assertTrue(r.out().contains("| " + row), row + ": " + r.dump());
        }
        assertTrue(r.out().contains("plots:  " + out.resolve("error-l2.png")), r.dump());
        assertTrue(r.out().contains("demo finished in "), r.dump());
        assertFalse(r.out().contains("== detection"), "--detect-images 0 skips the detection table (covered by the detect tests): " + r.dump());
        JsonNode report = Json.read(out.resolve("report.json"));
        assertEquals("undefended", report.get("models").get(0).get("name").asText());
        assertEquals("lipschitz", report.get("models").get(1).get("name").asText());
        assertTrue(Files.exists(out.resolve("lipschitz/checkpoint.safetensors")));
        assertTrue(r.out().contains("== the paper's checks (lipreg theory)"), r.dump());
        assertTrue(r.out().contains("Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀) on 100 training images"), "the regularized run's whole training set: " + r.dump());
        assertTrue(Files.exists(out.resolve("theory/theory.json")) && Files.exists(out.resolve("theory/scatter-regularized.png")));

        CliRun again = CliRun.of("demo", "--data", data.toString(), "--out", out.toString(), "--eval-images", "2", "--batch", "25",
                "--backend", "reference", "--train-subset", "25", "--detect-images", "0", "--cw-steps", "3", "--theory-images", "0");
        assertEquals(0, again.code(), "a second demo replaces the first: " + again.dump());
    }

    @Test
    void missingDatasetSaysHowToInstallIt() {
        Path out = tmp.resolve("demo");
        CliRun r = CliRun.of("demo", "--data", tmp.resolve("none").toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.dump());
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.dump());
        assertEquals(1, r.err().lines().count(), r.dump());
        assertFalse(Files.exists(out));
    }
}
