package dev.lipreg.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Backends#auto()} in fresh JVMs: it honours LIPREG_BACKEND and never silently degrades to the reference backend. */
class BackendChoiceTest {
    private static final String DENY = "--illegal-native-access=deny";

    record Run(String output) {
        String line(String prefix) {
            return output.lines().filter(l -> l.startsWith(prefix + " ")).map(l -> l.substring(prefix.length() + 1))
                    .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + output));
        }
    }

    private static Run run(Map<String, String> env, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), BackendChoiceMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIPREG_") && !k.equals("LIPREG_NATIVE_DIR"));
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        assertEquals(0, p.exitValue(), out);
        return new Run(out);
    }

    @Test
    void unsetMeansOneDnnEvenWithoutTheFlag() throws Exception {
        assertEquals("dnnl", run(Map.of()).line("BACKEND"));
        assertEquals("true", run(Map.of()).line("SAME"));
    }

    @Test
    void autoHonoursLipregBackend() throws Exception {
        assertEquals("reference", run(Map.of("LIPREG_BACKEND", "reference")).line("BACKEND"));
        assertEquals("reference", run(Map.of(), "-Dlipreg.backend=reference").line("BACKEND"));
        assertEquals("dnnl", run(Map.of("LIPREG_BACKEND", "auto")).line("BACKEND"));
    }

    @Test
    void deniedNativeAccessIsAnErrorNamingTheWaysOut() throws Exception {
        Run r = run(Map.of(), DENY);
        String error = r.line("ERROR");
        assertTrue(error.startsWith("NativeUnavailableException: no fast backend: "), error);
        assertTrue(error.contains("--enable-native-access=ALL-UNNAMED"), error);
        assertTrue(error.contains("LIPREG_BACKEND=reference") && error.contains("LIPREG_FALLBACK=reference"), error);
        assertEquals("true", r.line("AGAIN"), "the same error every time, no ExceptionInInitializerError");
    }

    @Test
    void theFallbackIsOptInAndWarnsOnStandardError() throws Exception {
        Run r = run(Map.of("LIPREG_FALLBACK", "reference"), DENY);
        assertEquals("reference", r.line("BACKEND"));
        assertTrue(r.output().contains("LipReg WARNING: oneDNN is unavailable, using the pure-Java reference backend"), r.output());
    }

    @Test
    void anExplicitReferenceChoiceNeedsNoNativeAccess() throws Exception {
        assertEquals("reference", run(Map.of("LIPREG_BACKEND", "reference"), DENY).line("BACKEND"));
    }
}
