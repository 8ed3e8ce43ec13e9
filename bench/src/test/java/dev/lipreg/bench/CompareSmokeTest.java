package dev.lipreg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness runs a tiny configuration end to end and writes valid JSON; no timing is asserted. */
class CompareSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static CompareConfig tiny(Path out) {
        return CompareConfig.defaults().withJvmWarmup(0).withBatch(8).withSteps(1, 2).withChunk(1).withModes(List.of(Mode.TRAIN)).withOutDir(out);
    }

    @Test
    void withoutPyTorch(@TempDir Path out) throws Exception {
        CompareReport r = Compare.run(tiny(out).withTorch(false), QUIET);
        JsonNode j = JSON.readTree(Files.readString(out.resolve("compare.json")));
        assertEquals(JSON.readTree(r.toJson()), j);
        assertEquals(8, j.get("batch").asInt());
        assertTrue(j.get("torch").isNull());
        assertFalse(j.get("torch_note").asText().isBlank());
        JsonNode m = j.get("results").get(0);
        assertEquals("train", m.get("mode").asText());
        assertEquals(2, m.get("lipreg").get("ms").size());
        assertTrue(m.get("lipreg").get("median_ms").asDouble() > 0);
        assertTrue(m.get("torch").isNull());
        assertTrue(m.get("ratio_median").isNull());
        assertTrue(j.get("sgemm").get("best_gflops").asDouble() > 0);
        assertTrue(Files.readString(out.resolve("compare.md")).contains("| train |"));
        try (var files = Files.list(out)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }

    /** Whatever this machine has: torch's numbers, or a note saying why there are none. */
    @Test
    void withPyTorchWhenPresent(@TempDir Path out) throws Exception {
        CompareReport r = Compare.run(tiny(out).withModes(List.of(Mode.INPUT_GRADIENT)), QUIET);
        JsonNode m = JSON.readTree(r.toJson()).get("results").get(0);
        if (r.torch().isEmpty()) {
            assertFalse(r.torchNote().isBlank());
            assertTrue(m.get("torch").isNull());
        } else {
            assertNull(r.torchNote());
            assertEquals(2, m.get("torch").get("ms").size());
            assertTrue(m.get("ratio_median").asDouble() > 0);
        }
    }

    @Test
    void aMissingInterpreterIsReportedNotFatal(@TempDir Path out) throws Exception {
        CompareReport r = Compare.run(tiny(null).withPython(out.resolve("no-such-python")), QUIET);
        assertTrue(r.torch().isEmpty());
        assertTrue(r.torchNote().contains("no-such-python"), r.torchNote());
        assertEquals(1, r.results().size());
    }

    /** OMP_NUM_THREADS is 2 under surefire, so one thread needs the child JVM. */
    @Test
    void otherThreadCountsRunInAChildJvm() throws Exception {
        CompareReport r = Compare.run(tiny(null).withTorch(false).withThreads(1), QUIET);
        assertEquals("1", String.valueOf(r.machine().get("OMP_NUM_THREADS")));
        assertEquals(1, ((Number) r.machine().get("omp_threads")).intValue());
        assertEquals(2, r.results().getFirst().lipreg().ms().length);
    }

    /** A baseline build (here: this one again) is timed as a third side; both builds run in child JVMs. */
    @Test
    void baselineBuild() throws Exception {
        CompareReport r = Compare.run(tiny(null).withTorch(false).withBaseline(System.getProperty("java.class.path")), QUIET);
        CompareReport.ModeResult m = r.results().getFirst();
        assertEquals(2, m.baseline().ms().length);
        assertTrue(m.vsBaseline() > 0);
        JsonNode j = JSON.readTree(r.toJson()).get("results").get(0);
        assertEquals(2, j.get("baseline").get("ms").size());
        assertTrue(r.toMarkdown().contains("LipReg / baseline"));
    }

    @Test
    void commandLine() {
        CompareConfig c = Compare.parse(new String[]{"--threads", "1", "--batch", "16", "--modes", "train,pgd7", "--no-torch", "--out", "-"});
        assertEquals(1, c.threads());
        assertEquals(16, c.batch());
        assertEquals(List.of(Mode.TRAIN, Mode.PGD7), c.modes());
        assertFalse(c.torch());
        assertNull(c.outDir());
        assertNull(Compare.parse(new String[]{"--help"}));
        assertEquals("a.jar", Compare.parse(new String[]{"--baseline", "a.jar"}).baseline());
        assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[]{"--modes", "nope"}));
        assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[]{"--steps", "0"}));
        assertEquals(20, CompareConfig.defaults().jvmWarmupSeconds());
        assertEquals(2.5, Compare.parse(new String[]{"--jvm-warmup", "2.5"}).jvmWarmupSeconds());
        assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[]{"--jvm-warmup", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[]{"--jvm-warmup", "soon"}));
        CompareConfig big = Compare.parse(new String[]{"--model", "resnext34-2x32", "--libtorch", "x.jar"});
        assertEquals("resnext34-2x32", big.model());
        assertEquals("x.jar", big.libtorch());
        var e = assertThrows(IllegalArgumentException.class, () -> Compare.parse(new String[]{"--model", "vgg"}));
        assertTrue(e.getMessage().contains("resnet-small"), e.getMessage());
    }

    /**
     * When PyTorch runs, the harness has checked LipReg's exact objective and parameter gradient against
     * it on one batch of resnet-small (batch norm, residual blocks) before timing, and measured each side's peak RSS.
     */
    @Test
    void resnetSmallIsCheckedAgainstPyTorchBeforeTiming() throws Exception {
        CompareReport r = Compare.run(tiny(null).withBatch(4).withSteps(0, 1).withModel("resnet-small"), QUIET);
        var m = r.results().getFirst();
        assertTrue(m.peak().lipreg() > 0, "LipReg's peak RSS is measured on Linux");
        if (r.torch().isEmpty()) {
            assertTrue(r.checks().isEmpty());
            return;
        }
        assertEquals(1, r.checks().size());
        GradientCheck c = r.checks().getFirst();
        assertTrue(c.agrees(), c.toString());
        assertTrue(c.gradMaxAbs() > 0 && Double.isFinite(c.objective()), c.toString());
        assertTrue(m.peak().torch() > 0);
        assertTrue(JSON.readTree(r.toJson()).get("checks").get(0).get("agrees").asBoolean());
    }

    /** A gradient that differs in one element beyond the tolerance fails the check; one equal in all passes. */
    @Test
    void gradientCheckCatchesADifference(@TempDir Path dir) {
        Path a = dir.resolve("a"), b = dir.resolve("b");
        GradientCheck.writeFloats(a, new float[]{1f, -2f}, new float[]{0.5f});
        GradientCheck.writeFloats(b, new float[]{1f, -2f, 0.5f});
        assertTrue(GradientCheck.compare("same", 1.0, a, 1.0, b).agrees());
        GradientCheck.writeFloats(b, new float[]{1f, -2.01f, 0.5f});
        GradientCheck bad = GradientCheck.compare("off", 1.0, a, 1.0, b);
        assertFalse(bad.agrees());
        assertEquals(0.005, bad.gradRelErr(), 1e-6);
        assertFalse(GradientCheck.compare("objective", 1.0, a, 1.01, a).agrees());
        GradientCheck.writeFloats(b, new float[]{1f});
        assertThrows(IllegalStateException.class, () -> GradientCheck.compare("short", 1.0, a, 1.0, b));
    }
}
