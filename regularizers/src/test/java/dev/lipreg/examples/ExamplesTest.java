package dev.lipreg.examples;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.regularizers.EpochReport;
import org.junit.jupiter.api.Assumptions;
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

    @Test
    void trainingOnRealFashionMnist(@TempDir Path out) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FASHION), "real Fashion-MNIST not installed (Debian dataset-fashion-mnist)");
        Dataset train = FashionMnist.load(FASHION, Split.TRAIN).sample(512, 1), test = FashionMnist.load(FASHION, Split.TEST).sample(256, 1);
        List<EpochReport> history = TrainExample.train(train, test, out.resolve("model.safetensors"));
        assertEquals(1, history.size());
        // four steps: held-out loss already below the uniform guess's ln 10
        assertTrue(history.getFirst().testLoss() < Math.log(10) - 0.02, "training learns something: " + history.getFirst());
        assertTrue(history.getFirst().penalties().containsKey("lip(l2)"), history.getFirst().toString());
        assertTrue(Files.size(out.resolve("model.safetensors")) > 400_000);
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
