package dev.lipreg.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LipReg's packaged jars on the module path, as a modular application uses them: a consumer module
 * ({@code requires dev.lipreg.regularizers}) is compiled against the jars and run with
 * {@code --enable-native-access=dev.lipreg.bindings} (under {@code --illegal-native-access=deny}, so any
 * restricted call from another module would fail): {@code Backends.auto()} gives oneDNN, and the
 * gradient of the paper's penalized objective (double backprop) is computed on it with not one warning. The recipe it proves is in docs/modules.md: LipReg's jars, SLF4J and Jackson on the
 * module path with {@code --add-modules ALL-MODULE-PATH}; the oneDNN carrier jar on the class path.
 */
class ModulePathTest {
    private static final Path CONSUMER = Path.of("src/test/consumer");
    private static List<Path> modulePath, classPath;

    @BeforeAll
    static void jars() throws IOException {
        List<Path> runtime = Arrays.stream(Files.readString(Path.of("target/runtime.classpath")).strip().split(File.pathSeparator))
                .map(Path::of).toList();
        List<Path> unpackaged = runtime.stream().filter(Files::isDirectory).toList();
        if (!unpackaged.isEmpty()) System.err.println("ModulePathTest skipped: LipReg's modules are not packaged in this build: " + unpackaged);
        Assumptions.assumeTrue(unpackaged.isEmpty(), "needs the packaged jars: run `mvn package` or `make test`, not `mvn test` alone");
        modulePath = new ArrayList<>();
        classPath = new ArrayList<>();
        // the oneDNN carrier's module-info requires org.bytedeco.dnnl (JavaCPP's Java classes, which LipReg does not use)
        for (Path p : runtime) (p.getFileName().toString().startsWith("dnnl-") ? classPath : modulePath).add(p);
        // a logging provider, as an application has one: SLF4J's "no providers" notice is not what this test looks for
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> e.contains("slf4j-simple"))
                .map(Path::of).forEach(modulePath::add);
    }

    @Test
    void lipRegJarsCarryTheirModuleNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (Path p : modulePath) {
            if (!p.getFileName().toString().startsWith("lipreg-")) continue;
            try (JarFile jar = new JarFile(p.toFile())) {
                names.add(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
            }
        }
        assertEquals(List.of("dev.lipreg.autograd", "dev.lipreg.bindings", "dev.lipreg.data", "dev.lipreg.regularizers", "dev.lipreg.tensor"),
                names.stream().sorted().toList());
    }

    @Test
    void consumerModuleGetsOneDnnWithoutWarnings(@TempDir Path dir) throws Exception {
        Path classes = dir.resolve("classes");
        ByteArrayOutputStream javacOut = new ByteArrayOutputStream();
        int javac = ToolProvider.getSystemJavaCompiler().run(null, javacOut, javacOut, "-d", classes.toString(),
                "--module-path", join(modulePath), "-cp", dir.toString(), "-Xlint:all,-requires-automatic,-try", "-Werror", // LipReg ships automatic modules
                CONSUMER.resolve("module-info.java").toString(), CONSUMER.resolve("consumer/Main.java").toString());
        assertEquals(0, javac, "javac: " + javacOut.toString(StandardCharsets.UTF_8));

        List<String> mp = new ArrayList<>(List.of(classes.toString()));
        modulePath.forEach(p -> mp.add(p.toString()));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--illegal-native-access=deny", "--enable-native-access=dev.lipreg.bindings",
                "--module-path", String.join(File.pathSeparator, mp), "--add-modules", "ALL-MODULE-PATH",
                "-cp", join(classPath), "-m", "consumer/consumer.Main");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LIPREG_BACKEND");
        pb.environment().remove("LIPREG_FALLBACK");
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the consumer did not finish");
        System.err.print(out);
        assertEquals(0, process.exitValue(), String.join(" ", cmd) + "\n" + out);
        assertTrue(out.contains("backend=dnnl module=dev.lipreg.tensor named=true objective finite=true gradient finite=true"), out);
        List<String> warnings = out.lines().filter(l -> l.contains("WARN") || l.contains("SLF4J(")).collect(Collectors.toList());
        assertEquals(List.of(), warnings, "warnings on the module path");
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }
}
