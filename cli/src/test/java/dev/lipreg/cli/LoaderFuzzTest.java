package dev.lipreg.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
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
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Coverage-guided fuzzing (Jazzer) of every loader: IDX images and labels, CIFAR-10/100 records,
 * safetensors, model-spec JSON and ONNX models. Each input is written to a file and loaded through the public
 * API; the only acceptable failures are the documented exceptions with a one-line message. Any
 * other exception, an OutOfMemoryError or a hang (Jazzer's per-input timeout) is a finding.
 *
 * <p>Without JAZZER_FUZZ this is a regression test over the saved inputs in
 * src/test/resources/dev/lipreg/cli/LoaderFuzzTestInputs/METHOD (seeded from the malformed corpus,
 * plus anything fuzzing found); {@code make fuzz} fuzzes each method in turn (see docs/hardening.md).
 */
class LoaderFuzzTest {
    private static final Path FILE;

    static {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "lipreg-fuzz") : Files.createTempDirectory("lipreg-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("input");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface Load {
        void from(Path file) throws Exception;
    }

    /** Loads {@code data} from a file; documented failures pass if their message is one informative line. */
    private static void fuzz(byte[] data, Load load) throws IOException {
        Files.write(FILE, data);
        try (Scope s = Scope.open()) {
            load.from(FILE);
        } catch (BadInputFileException | IllegalArgumentException e) {
            String m = e.getMessage();
            assertNotNull(m, e.toString());
            assertFalse(m.isBlank() || m.contains("\n"), "one line: " + m);
        } catch (Exception e) {
            throw new AssertionError("undocumented failure: " + e, e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void idxImages(byte[] data) throws IOException {
        fuzz(data, IdxReader::readImages);
    }

    @FuzzTest(maxDuration = "60s")
    void idxLabels(byte[] data) throws IOException {
        fuzz(data, f -> IdxReader.readLabels(f, 10));
    }

    @FuzzTest(maxDuration = "60s")
    void cifar10(byte[] data) throws IOException {
        fuzz(data, f -> CifarReader.read(List.of(f), CifarFormat.CIFAR10, "fuzz"));
    }

    @FuzzTest(maxDuration = "60s")
    void cifar100(byte[] data) throws IOException {
        fuzz(data, f -> CifarReader.read(List.of(f), CifarFormat.CIFAR100_FINE, "fuzz"));
    }

    @FuzzTest(maxDuration = "60s")
    void safetensors(byte[] data) throws IOException {
        fuzz(data, f -> SafeTensors.read(f, Backends.reference()));
    }

    @FuzzTest(maxDuration = "60s")
    void modelSpec(byte[] data) throws IOException {
        fuzz(data, ModelSpec::read);
    }

    /** Loads the model and runs it on a batch of two 1x8x8 images (as the corpus does). */
    @FuzzTest(maxDuration = "60s")
    void onnx(byte[] data) throws IOException {
        fuzz(data, f -> OnnxModel.load(f, Backends.reference())
                .forward(Variable.constant(Backends.reference().full(Shape.of(2, 1, 8, 8), DType.FLOAT32, 0.5))));
    }
}
