package dev.lipreg.bindings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Real loading, once per process: each case runs {@link ChildMain} in a fresh JVM. */
class ChildJvmTest {

    private static final String FLAG = NativeLibraries.NATIVE_ACCESS_FLAG;

    @TempDir
    Path tmp;

    record Run(int exit, String output) {
        String line(String prefix) {
            return output.lines().filter(l -> l.startsWith(prefix + " ")).map(l -> l.substring(prefix.length() + 1))
                    .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + output));
        }
    }

    private static Process start(String mode, Map<String, String> env, String... jvmArgs) throws IOException {
        return start(System.getProperty("java.class.path"), mode, env, jvmArgs);
    }

    private static Process start(String classPath, String mode, Map<String, String> env, String... jvmArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classPath, ChildMain.class.getName(), mode));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIPREG_"));
        pb.environment().put("OMP_NUM_THREADS", "2");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static Run finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        return new Run(p.exitValue(), out);
    }

    private static Run run(String mode, Map<String, String> env, String... jvmArgs) throws Exception {
        return finish(start(mode, env, jvmArgs));
    }

    private static void assertLoaded(Run r, Path versionDir) {
        assertEquals(0, r.exit(), r.output());
        assertEquals("3.13.0", r.line("VERSION"));
        assertEquals(versionDir.resolve("libdnnl.so.3").toString(), r.line("LIB"));
        assertEquals("2", r.line("THREADS"));
    }

    private static Path versionDir(Path root) {
        return root.resolve("dnnl-" + NativeLibraries.dnnlArtifactVersion());
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void loadsFromEmptyThenFilledThenTruncatedCache() throws Exception {
        Map<String, String> env = Map.of("LIPREG_NATIVE_DIR", tmp.toString());
        Path dir = versionDir(tmp);
        Path dnnl = dir.resolve("libdnnl.so.3");

        assertLoaded(run("load", env, FLAG), dir);
        long size = Files.size(dnnl);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(dnnl, old);

        assertLoaded(run("load", env, FLAG), dir);
        assertEquals(old, Files.getLastModifiedTime(dnnl), "a filled cache is not copied again");

        try (FileChannel ch = FileChannel.open(dnnl, StandardOpenOption.WRITE)) {
            ch.truncate(size / 3);
        }
        assertLoaded(run("load", env, FLAG), dir);
        assertEquals(size, Files.size(dnnl), "the truncated copy was repaired");

        // same size, wrong bytes: passes the size check, fails to load, and is repaired by the next JVM
        try (FileChannel ch = FileChannel.open(dnnl, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4096), 0);
        }
        Run broken = run("fail", env, FLAG);
        assertTrue(broken.line("ERROR").contains(dnnl.toString()), broken.output());
        assertTrue(broken.line("ERROR").contains("delete " + dir), broken.output());
        assertLoaded(run("load", env, FLAG), dir);
    }

    @Test
    void twoJvmsStartingTogetherShareOneCopy() throws Exception {
        Map<String, String> env = Map.of("LIPREG_NATIVE_DIR", tmp.toString());
        Process a = start("load", env, FLAG), b = start("load", env, FLAG);
        Run ra = finish(a), rb = finish(b);
        Path dir = versionDir(tmp);
        assertLoaded(ra, dir);
        assertLoaded(rb, dir);
        assertEquals(List.of(".lock", "libdnnl.so.3", "libdnnl.so.3.sha256", "libgomp.so.1", "libgomp.so.1.sha256"), files(dir));
        NativeCache.Checksum sum = NativeCache.Checksum.parse(Files.readString(dir.resolve("libdnnl.so.3.sha256")));
        assertEquals(sum.sha256(), NativeCache.hash(dir.resolve("libdnnl.so.3")));
    }

    @Test
    void withoutTheFlagTheJvmPermitsNativeAccessAndWarns() throws Exception {
        // JDK 22-25 default: restricted calls work, with one JVM warning naming the flag; never a silent downgrade
        Dnnl.ensureLoaded(); // fills the shared cache, which the child reuses
        Run r = run("load", Map.of());
        assertLoaded(r, versionDir(NativeLibraries.cacheRoot()));
        assertTrue(r.output().contains("WARNING") && r.output().contains(FLAG), r.output());
    }

    @Test
    void deniedNativeAccessNamesTheFlagAndJavaKeepsWorking() throws Exception {
        Run r = run("fail", Map.of(), "--illegal-native-access=deny"); // the shared cache is never touched
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.line("ERROR").contains(FLAG), r.output());
        assertTrue(r.line("ERROR").contains("JDK_JAVA_OPTIONS"), r.output());
        assertTrue(r.line("ERROR").contains("--illegal-native-access=deny"), r.output());
        assertEquals("true", r.line("SAME"), "the failure is remembered");
        assertEquals("false", r.line("AVAILABLE"));
        assertEquals("5050", r.line("PURE_JAVA"));
        assertEquals("false", r.line("CUDA"));
    }

    @Test
    void aCorruptLibraryIsNamed() throws Exception {
        Path garbage = tmp.resolve("libdnnl.so.3");
        Files.writeString(garbage, "this is not an ELF file\n".repeat(100));
        Run r = run("fail", Map.of("LIPREG_DNNL_LIB", garbage.toString()), FLAG);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.line("ERROR").contains(garbage.toString()), r.output());
        assertTrue(r.line("ERROR").contains("LIPREG_DNNL_LIB"), r.output());
        assertEquals("true", r.line("SAME"));
        assertEquals("false", r.line("AVAILABLE"));
    }

    @Test
    void aMissingSystemLibraryIsNamed() throws Exception {
        Path missing = tmp.resolve("nowhere/libdnnl.so.3");
        Run r = run("fail", Map.of("LIPREG_DNNL_LIB", missing.toString()), FLAG);
        assertTrue(r.line("ERROR").contains(missing.toString()), r.output());
        assertTrue(r.line("ERROR").contains("org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64"), r.output());
    }

    @Test
    void aMissingCarrierJarNamesTheMavenCoordinates() throws Exception {
        String withoutDnnlJar = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("dnnl-"))
                .collect(Collectors.joining(File.pathSeparator));
        Run r = finish(start(withoutDnnlJar, "fail", Map.of("LIPREG_NATIVE_DIR", tmp.toString()), FLAG));
        assertTrue(r.line("ERROR").contains("org/bytedeco/dnnl/linux-x86_64/libgomp.so.1 is not on the classpath"), r.output());
        assertTrue(r.line("ERROR").contains("org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64"), r.output());
        assertEquals("false", r.line("AVAILABLE"));
    }

    @Test
    void aSystemLibraryFromLipregDnnlLibIsUsed() throws Exception {
        // the shared cache holds a real libdnnl with libgomp beside it: use it as a "system" install
        Path shared = versionDir(NativeLibraries.cacheRoot());
        Dnnl.ensureLoaded(); // fills the shared cache
        Map<String, String> env = new HashMap<>(Map.of("LIPREG_DNNL_LIB", shared.resolve("libdnnl.so.3").toString()));
        env.put("LIPREG_NATIVE_DIR", tmp.toString()); // must stay empty
        Run r = run("load", env, FLAG);
        assertLoaded(r, shared);
        assertFalse(Files.exists(versionDir(tmp)), "no extraction when LIPREG_DNNL_LIB is set");
    }
}
