package dev.lipreg.djl;

import ai.djl.util.Utils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libtorch comes from the pytorch-native-cpu jar: nothing is downloaded, even with no network at all. */
class OfflineTest {

    @Test
    void theTestsRunInDjlsOfflineMode() {
        assertTrue(Utils.isOfflineMode(), "surefire sets ai.djl.offline=true: DJL refuses every http(s) URL");
    }

    @Test
    void pytorchStartsInAJvmWithoutNetworkAndAnEmptyCache(@TempDir Path cache) throws Exception {
        Assumptions.assumeTrue(canUnshareNetwork(), "`unshare -n` is not permitted here; cannot run a JVM without network");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of("unshare", "-n", java, "--enable-native-access=ALL-UNNAMED",
                "-DDJL_CACHE_DIR=" + cache, "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), OfflineProbe.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe finishes");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("engine PyTorch 2.7.1"), out);
        assertTrue(out.contains("libtorch " + cache.resolve("pytorch")), "libtorch extracted from the jar into the fresh cache: " + out);
        assertTrue(out.contains("gradient [2, 1, 2, 2]"), out);
    }

    private static boolean canUnshareNetwork() {
        try {
            Process p = new ProcessBuilder("unshare", "-n", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
