package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Loss;
import dev.lipreg.regularizers.CleanMetrics;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lipreg theory} end to end on real Fashion-MNIST and the default backend: two small CNNs trained one short
 * epoch here (undefended, and Lip 0.1 + TV 0.01), then the loss bound and the distance check.
 */
class TheoryCommandTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    @TempDir
    static Path dir;
    static Path plain, robust, out;
    static CliRun theory;

    @BeforeAll
    static void trainAndCheck() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not found at " + DATA);
        Path spec = dir.resolve("small.json");
        Files.writeString(spec, """
                {"name": "small-cnn", "input": [1, 28, 28], "classes": 10, "layers": [
                  {"type": "conv2d", "in": 1, "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "maxpool2d", "kernel": 4},
                  {"type": "flatten"}, {"type": "linear", "in": 196, "out": 10}]}
                """);
        plain = dir.resolve("undefended");
        robust = dir.resolve("lipschitz");
        List<String> common = List.of("train", "--model", spec.toString(), "--data-dir", DATA.toString(), "--train-subset", "600",
                "--test-subset", "50", "--epochs", "1", "--batch", "50", "--lr", "0.1");
        ok(concat(common, "--out", plain.toString()));
        ok(concat(common, "--lip", "0.1", "--tv", "0.01", "--out", robust.toString()));
        out = dir.resolve("theory");
        theory = ok("theory", "--undefended", plain.toString(), "--regularized", robust.toString(), "--data-dir", DATA.toString(),
                "--train-subset", "300", "--test-subset", "24", "--pgd-steps", "5", "--bisection-steps", "5", "--cw-steps", "5",
                "--out", out.toString());
        System.out.println(theory.out()); // the report, in the test log
    }

    @Test
    void lossBoundIsMeasuredOnTheRegularizedRunsTrainingImages() throws IOException {
        JsonNode bound = Json.read(out.resolve("theory.json")).get("lossBound");
        assertEquals(300, bound.get("trainImages").asInt());
        JsonNode r = bound.get("result"), f0 = r.get("undefended"), fl = r.get("regularized");
        assertEquals(List.of("lip(l2)", "tv(l2)"), names(f0.get("penaltyTerms")));
        double loss0 = f0.get("loss").asDouble(), lossL = fl.get("loss").asDouble(), pen0 = f0.get("penalty").asDouble();
        assertEquals(f0.get("penaltyTerms").get("lip(l2)").asDouble() + f0.get("penaltyTerms").get("tv(l2)").asDouble(), pen0, 1e-12);
        assertTrue(pen0 > 0, "f₀'s gradients are not zero");
        assertEquals(loss0 + pen0, r.get("bound").asDouble(), 1e-12);
        assertEquals(lossL <= loss0 + pen0, r.get("holds").asBoolean());
        assertTrue(theory.out().contains(r.get("holds").asBoolean() ? "**holds**" : "**fails**"), theory.dump());
        System.out.printf("theory on real Fashion-MNIST: Loss(f_λ) %.4f, Loss(f₀) %.4f + λR(f₀) %.4f: %s%n", lossL, loss0, pen0,
                r.get("holds").asBoolean() ? "holds" : "fails");

        // the same losses from the runs and images alone: 300 of the regularized run's 600 training images (seed 0)
        try (Scope s = Scope.open()) {
            Backend b = Backends.configured();
            Dataset train = DataOptions.subset(DataSource.FASHION_MNIST.load(DATA, dev.lipreg.data.Split.TRAIN).sample(600, 0), 300, 0, "n");
            for (var run : List.of(java.util.Map.entry(plain, loss0), java.util.Map.entry(robust, lossL))) {
                ModelRef ref = ModelRef.resolve("run", run.getKey());
                double expected = CleanMetrics.of(ref.load(ref.readSpec(), b), Loss.crossEntropy(), train, b, 100).loss();
                assertEquals(expected, run.getValue(), 1e-5 * (1 + expected), run.getKey().toString());
            }
        }
    }

    @Test
    void distancesArePairedWithTheirFirstOrderEstimates() throws IOException {
        JsonNode d = Json.read(out.resolve("theory.json")).get("distances");
        assertEquals("PGD bisection, CW and DeepFool", d.get("attacks").asText());
        for (JsonNode m : d.get("models")) {
            JsonNode per = m.get("perImage");
            assertEquals(24, per.get("distance").size());
            int paired = 0;
            for (int i = 0; i < 24; i++) {
                double margin = per.get("margin").get(i).asDouble(), dist = per.get("distance").get(i).asDouble();
                boolean p = per.get("paired").get(i).asBoolean();
                if (margin < 0) assertEquals(0, dist, 0.0, "a misclassified image is at distance 0");
                assertEquals(margin > 0 && dist > 0 && Double.isFinite(dist), p, "image " + i);
                assertEquals(margin / per.get("gradientNorm").get(i).asDouble(), per.get("estimate").get(i).asDouble(), 1e-9 * (1 + Math.abs(margin)));
                paired += p ? 1 : 0;
            }
            assertEquals(paired, m.get("paired").asInt());
            assertTrue(paired >= 8, "enough images pair up for a correlation: " + paired);
            double pearson = m.get("pearson").asDouble(), spearman = m.get("spearman").asDouble();
            System.out.printf("%s: %d pairs, Pearson %.3f, Spearman %.3f, median distance / estimate %.3f%n", m.get("role").asText(), paired,
                    pearson, spearman, m.get("medianRatio").asDouble());
            // a small ReLU network is close to linear around each image: distances follow the estimate
            assertTrue(pearson > 0.5 && spearman > 0.5, m.toString());
        }
        for (String role : List.of("undefended", "regularized")) {
            BufferedImage png = ImageIO.read(out.resolve("scatter-" + role + ".png").toFile());
            assertEquals(800, png.getWidth(), role);
        }
        assertTrue(Files.readString(out.resolve("theory.md")).contains("| regularized | "));
    }

    /** ℓ∞: PGD bisection and DeepFool (CW is ℓ2 only), the margin's gradient measured in ℓ1. */
    @Test
    void linfDistancesUseTheL1GradientNorm() throws IOException {
        Path linf = dir.resolve("theory-linf");
        CliRun r = ok("theory", "--undefended", plain.toString(), "--regularized", robust.toString(), "--data-dir", DATA.toString(),
                "--norm", "linf", "--train-subset", "20", "--test-subset", "6", "--pgd-steps", "3", "--bisection-steps", "3",
                "--out", linf.toString());
        JsonNode report = Json.read(linf.resolve("theory.json"));
        assertEquals("linf", report.get("norm").asText());
        assertEquals("PGD bisection and DeepFool", report.get("distances").get("attacks").asText());
        assertTrue(r.out().contains("Minimal ℓ∞ distance against the first-order estimate margin / ‖∇ₓ margin‖₁"), r.dump());
    }

    @Test
    void runsTheBoundDoesNotSpeakAboutAreRefused() {
        CliRun swapped = CliRun.of("theory", "--undefended", robust.toString(), "--regularized", plain.toString(), "--data-dir", DATA.toString(),
                "--out", dir.resolve("x").toString());
        assertEquals(2, swapped.code(), swapped.dump());
        assertTrue(swapped.err().contains("--undefended: expected a run trained without penalties"), swapped.dump());
        CliRun none = CliRun.of("theory", "--undefended", plain.toString(), "--regularized", plain.toString(), "--data-dir", DATA.toString(),
                "--out", dir.resolve("x").toString());
        assertEquals(2, none.code(), none.dump());
        assertTrue(none.err().contains("--regularized: expected a run trained with --lip, --tv or --squared"), none.dump());
        CliRun data = CliRun.of("theory", "--undefended", plain.toString(), "--regularized", robust.toString(), "--data", "mnist",
                "--out", dir.resolve("x").toString());
        assertEquals(2, data.code(), data.dump());
        assertTrue(data.err().contains("--data: expected the dataset the runs were trained on, got 'mnist'"), data.dump());
        CliRun norm = CliRun.of("theory", "--undefended", plain.toString(), "--regularized", robust.toString(), "--norm", "l1",
                "--out", dir.resolve("x").toString());
        assertEquals(2, norm.code(), norm.dump());
        assertTrue(norm.err().contains("--norm: expected l2 or linf, got 'l1'"), norm.dump());
        assertTrue(!Files.exists(dir.resolve("x")), "nothing written");
        Path file = dir.resolve("small.json");
        CliRun existing = CliRun.of("theory", "--undefended", plain.toString(), "--regularized", robust.toString(), "--out", file.toString());
        assertEquals(2, existing.code(), existing.dump());
        assertTrue(existing.err().contains("--out: expected a directory for the report, got '" + file + "' (an existing file)"), existing.dump());
    }

    private static CliRun ok(List<String> args) {
        return ok(args.toArray(String[]::new));
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.dump());
        return r;
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> r = new java.util.ArrayList<>(a);
        r.addAll(List.of(b));
        return r;
    }

    private static List<String> names(JsonNode object) {
        List<String> l = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(l::add);
        return l;
    }
}
