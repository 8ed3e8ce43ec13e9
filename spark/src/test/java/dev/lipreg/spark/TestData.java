package dev.lipreg.spark;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Real Fashion-MNIST from Debian's dataset-fashion-mnist; tests that need it skip with the reason when it is absent. */
final class TestData {
    static final Path FASHION_MNIST = Path.of(System.getProperty("lipreg.fashion", "/usr/share/datasets/fashion-mnist"));

    private TestData() {
    }

    static Path fashionMnist() {
        Assumptions.assumeTrue(Files.isRegularFile(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "real Fashion-MNIST not installed in " + FASHION_MNIST + " (apt-get install dataset-fashion-mnist)");
        return FASHION_MNIST;
    }
}
