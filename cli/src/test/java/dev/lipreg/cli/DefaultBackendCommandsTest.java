package dev.lipreg.cli;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.io.SafeTensorFile;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand end to end without {@code --backend}: what a user runs gets the default
 * (oneDNN) backend, whose float32-only storage once broke {@code lipreg attack}'s float64 outputs.
 */
class DefaultBackendCommandsTest {
    @TempDir
    static Path shared;
    static Path data, spec, plain;
    @TempDir
    Path tmp;

    @BeforeAll
    static void trainOnTheDefaultBackend() {
        data = TinyData.write(shared.resolve("data"), 100, 40);
        spec = TinyData.cnnSpec(shared.resolve("tiny.json"));
        plain = shared.resolve("plain");
        CliRun r = CliRun.of("train", "--model", spec.toString(), "--data-dir", data.toString(), "--epochs", "2", "--batch", "20",
                "--lr", "0.1", "--lip", "0.1", "--out", plain.toString());
        assertEquals(0, r.code(), r.dump());
        assertTrue(Files.exists(plain.resolve("checkpoint.safetensors")), r.dump());
    }

    @Test
    void info() {
        CliRun r = CliRun.of("info");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("dnnl"), r.dump());
    }

    @ParameterizedTest
    @CsvSource({"pgd,linf,0.1", "fgsm,l2,1", "apgd,linf,0.1", "deepfool,l2,", "cw,l2,", "boundary,l2,"})
    void attack(String attack, String norm, String eps) {
        Path out = tmp.resolve(attack + ".safetensors");
        String[] args = {"attack", "--checkpoint", plain.toString(), "--data-dir", data.toString(), "--test-subset", "6",
                "--attack", attack, "--norm", norm, "--pgd-steps", "3", "--cw-steps", "10", "--boundary-steps", "50", "--out", out.toString()};
        if (eps != null) args = TrainCommandTest.concat(args, "--eps", eps);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.dump());
        try (Scope s = Scope.open()) {
            SafeTensorFile f = SafeTensors.read(out, Backends.reference());
            assertEquals(Shape.of(6, 1, 8, 8), f.tensor("x_adv").shape());
            // the float64 distances are those of the written images
            double[] l2 = f.tensor("distances_l2").toDoubleArray();
            float[] adv = f.tensor("x_adv").toFloatArray(), x = f.tensor("x").toFloatArray();
            int d = adv.length / l2.length;
            for (int i = 0; i < l2.length; i++) {
                double sum = 0;
                for (int j = i * d; j < (i + 1) * d; j++) sum += (double) (adv[j] - x[j]) * (adv[j] - x[j]);
                assertEquals(Math.sqrt(sum), l2[i], 1e-4 * (1 + l2[i]), "image " + i);
            }
        }
    }

    @Test
    void eval() {
        Path out = tmp.resolve("eval");
        CliRun r = CliRun.of("eval", "--checkpoint", plain.toString(), "--data-dir", data.toString(), "--test-subset", "6",
                "--attacks", "pgd,deepfool", "--eps-l2", "0.5,1", "--eps-linf", "0.05", "--pgd-steps", "3",
                "--out", out.toString());
        assertEquals(0, r.code(), r.dump());
        assertTrue(Files.exists(out.resolve("report.json")), r.dump());
    }

    @Test
    void detect() {
        Path out = tmp.resolve("detect");
        CliRun r = CliRun.of("detect", "--checkpoint", plain.toString(), "--data-dir", data.toString(), "--test-subset", "6",
                "--attacks", "pgd", "--eps", "1", "--pgd-steps", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.dump());
    }

    @Test
    void grad() {
        Path out = tmp.resolve("grad.safetensors"), batch = tmp.resolve("batch.safetensors");
        CliRun attack = CliRun.of("attack", "--checkpoint", plain.toString(), "--data-dir", data.toString(), "--test-subset", "4",
                "--attack", "fgsm", "--norm", "linf", "--eps", "0.05", "--out", batch.toString());
        assertEquals(0, attack.code(), attack.dump());
        CliRun r = CliRun.of("grad", "--model", spec.toString(), "--weights", plain.resolve("checkpoint.safetensors").toString(),
                "--input", batch.toString(), "--lip", "0.1", "--out", out.toString());
        assertEquals(0, r.code(), r.dump());
        assertTrue(Files.exists(out), r.dump());
    }

    @Test
    void demo() {
        Path out = tmp.resolve("demo");
        CliRun r = CliRun.of("demo", "--data", data.toString(), "--out", out.toString(), "--eval-images", "4", "--batch", "25",
                "--train-subset", "50", "--detect-images", "4", "--cw-steps", "5", "--theory-images", "4");
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("demo finished in "), r.dump());
    }

    @Test
    void bench() {
        CliRun r = CliRun.of("bench", "--compare", "--modes", "forward", "--batch", "8", "--warmup", "1", "--jvm-warmup", "0", "--steps", "2",
                "--no-torch", "--out", tmp.resolve("bench").toString());
        assertEquals(0, r.code(), r.dump());
    }
}
