package dev.lipreg.examples;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the README's Java examples (the files the README shows verbatim, see {@link ReadmeSyncTest}). */
class ExamplesTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    static Path out;
    static List<EpochReport> history;
    static Dataset test;

    @BeforeAll
    static void trainOnce() throws Exception {
        if (!Files.isDirectory(FASHION)) return; // the data tests skip, the autograd one runs
        Dataset train = FashionMnist.load(FASHION, Split.TRAIN).sample(1024, 1);
        test = FashionMnist.load(FASHION, Split.TEST).sample(256, 1);
        history = TrainExample.train(train, test, out.resolve("model.safetensors"));
    }

    @Test
    void trainingOnRealFashionMnist() throws Exception {
        Assumptions.assumeTrue(history != null, "real Fashion-MNIST not installed (Debian dataset-fashion-mnist)");
        assertEquals(1, history.size());
        // eight steps: held-out loss already below the uniform guess's ln 10
        assertTrue(history.getFirst().testLoss() < Math.log(10) - 0.02, "training learns something: " + history.getFirst());
        assertTrue(history.getFirst().penalties().containsKey("lip(l2)"), history.getFirst().toString());
        assertTrue(Files.size(out.resolve("model.safetensors")) > 400_000);
    }

    @Test
    void evaluatingTheTrainedModel() {
        Assumptions.assumeTrue(history != null, "real Fashion-MNIST not installed (Debian dataset-fashion-mnist)");
        Backend backend = Backends.auto();
        try (Scope scope = Scope.open()) {
            Module net = trainedModel(backend);
            Dataset few = test.subset(0, 64);
            String[] printed = new String[1];
            double[][] errors = new double[1][];
            printed[0] = captured(() -> errors[0] = EvaluateExample.evaluate(net, few, backend));
            for (int j = 1; j < errors[0].length; j++) {
                assertTrue(errors[0][j] >= errors[0][j - 1], "error grows with ε: " + printed[0]);
            }
            assertTrue(errors[0][2] > errors[0][0], "a larger budget breaks more images: " + printed[0]);
            for (String line : new String[]{"PGD-linf error at eps", "median minimal l2 distance (DeepFool)", "certified accuracy at l2 0.1",
                    "detection at 5% false positives"}) {
                assertTrue(printed[0].contains(line), line + " in " + printed[0]);
            }
        }
    }

    @Test
    void theWholeReportInOneCall() {
        Assumptions.assumeTrue(history != null, "real Fashion-MNIST not installed (Debian dataset-fashion-mnist)");
        Backend backend = Backends.auto();
        try (Scope scope = Scope.open()) {
            Module net = trainedModel(backend);
            Dataset few = test.subset(0, 64);
            dev.lipreg.eval.EvalReport[] report = new dev.lipreg.eval.EvalReport[1];
            String printed = captured(() -> report[0] = ReportExample.report(net, few));
            var m = report[0].models().getFirst();
            double accuracy = dev.lipreg.regularizers.CleanMetrics.of(net, dev.lipreg.nn.Loss.crossEntropy(), few, backend, 64).accuracy();
            assertEquals(1 - accuracy, m.cleanError(), 1e-12);
            assertTrue(printed.startsWith("| model | clean err | err ℓ2 0.500 | err ℓ2 1.00 | err ℓ∞ 0.0200 | err ℓ∞ 0.0500 |"), printed);
            assertTrue(printed.contains("| model | " + dev.lipreg.eval.EvalReport.pct(m.cleanError()) + " | "), printed);
            assertTrue(m.medianDistance().get("l2") >= 0 && m.certification().lipschitzBound() > 0, printed);
            for (int j = 0; j < 2; j++) assertTrue(m.certification().accuracy()[j] <= 1 - m.errors().get("l2").error()[j], printed);
        }
    }

    @Test
    void gradientAndHessianVectorProductMatchCalculus() {
        String printed = captured(() -> AutogradExample.main(new String[0]));
        double[] x = {0.5, -1.0, 2.0};
        double f = 0;
        double[] g = new double[3];
        for (int i = 0; i < 3; i++) {
            double t = Math.tanh(x[i]);
            f += t * t;
            g[i] = 2 * t * (1 - t * t);                 // d/dx tanh² = 2 tanh sech²
        }
        double t0 = Math.tanh(x[0]), s0 = 1 - t0 * t0;
        double h00 = 2 * s0 * s0 - 4 * t0 * t0 * s0;  // d²/dx² tanh² = 2 sech⁴ − 4 tanh² sech²
        assertTrue(printed.contains("f     = " + f), printed);
        assertTrue(printed.contains("∇f    = " + java.util.Arrays.toString(g)) || close(printed, "∇f    = ", g), printed);
        assertTrue(close(printed, "H·e₀  = ", new double[]{h00, 0, 0}), printed);
    }

    /** The model {@link TrainExample} trained and saved in {@link #trainOnce}, loaded into the caller's scope. */
    private static Module trainedModel(Backend backend) {
        Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(backend, 0));
        Checkpoint.load(out.resolve("model.safetensors"), net);
        return net;
    }

    private static boolean close(String printed, String prefix, double[] expected) {
        String line = printed.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
        String[] parts = line.substring(prefix.length()).replaceAll("[\\[\\]]", "").split(",\\s*");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(Double.parseDouble(parts[i]) - expected[i]) > 1e-12) return false;
        }
        return true;
    }

    static String captured(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
