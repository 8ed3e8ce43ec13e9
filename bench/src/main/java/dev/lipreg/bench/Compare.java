package dev.lipreg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lipreg.bindings.Dnnl;
import dev.lipreg.tensor.Backends;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LipReg and PyTorch side by side on this machine, in one invocation: the
 * fashion-cnn steps of each {@link Mode}, timed alternately in chunks on both
 * sides (same threads, batch, data), so both see the same machine state.
 *
 * <p>PyTorch runs {@code bench/python/compare.py --serve} under Debian's
 * python3-torch ({@code /usr/bin/python3} is probed first: a pyenv {@code python3}
 * on PATH may lack torch) with {@code torch.set_num_threads(threads)} and
 * {@code OPENBLAS_NUM_THREADS=1}. Without torch the report says why and shows
 * LipReg's numbers only.
 *
 * <p>LipReg runs in this JVM when OpenMP's startup thread count already equals
 * {@code threads} (libgomp reads {@code OMP_NUM_THREADS} once, when loaded), else in
 * a child JVM started with {@code OMP_NUM_THREADS=threads}.
 *
 * <pre>{@code
 * CompareReport r = Compare.run(CompareConfig.defaults().withModes(List.of(Mode.TRAIN)));
 * System.out.println(r.toMarkdown());
 * }</pre>
 */
public final class Compare {
    static final String SCRIPT_RESOURCE = "/dev/lipreg/bench/compare.py";
    private static final int SGEMM_N = 1024, SGEMM_REPS = 10;

    private Compare() {
    }

    /** Runs the comparison and, when {@code outDir} is set, writes compare.json and compare.md there (atomically). */
    public static CompareReport run(CompareConfig config) {
        return run(config, System.err);
    }

    static CompareReport run(CompareConfig config, PrintStream log) {
        BenchData data = BenchData.load(config.dataDir(), config.batch(), 8, config.seed());
        String torchNote = null;
        StepRunner torch = null, baseline = null;
        try (StepRunner lipreg = startLipReg(config, data, log)) {
            if (config.baseline() != null) baseline = startWorkerJvm("baseline LipReg JVM", config.baseline(), config);
            if (config.torch()) {
                try {
                    torch = startTorch(config);
                } catch (ProcessRunner.WorkerException e) {
                    torchNote = e.getMessage();
                    log.println("PyTorch side not run: " + torchNote);
                }
            } else {
                torchNote = "disabled by configuration";
            }
            Roofline.Result roof = lipreg.sgemm(SGEMM_N, SGEMM_REPS);
            log.printf(Locale.ROOT, "dnnl_sgemm %d³: %.1f GFLOP/s%n", SGEMM_N, roof.bestGflops());
            List<CompareReport.ModeResult> results = new ArrayList<>();
            for (Mode m : config.modes()) {
                results.add(measure(m, config, lipreg, torch, baseline, log));
            }
            Roofline.Result again = lipreg.sgemm(SGEMM_N, SGEMM_REPS);
            if (again.bestGflops() > roof.bestGflops()) roof = again;
            Map<String, Object> machine = machine(lipreg.info(), config.threads());
            CompareReport report = new CompareReport(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine,
                    config.threads(), config.batch(), config.warmup(), config.steps(), data.source(), roof,
                    torch == null ? null : torch.info(), torchNote, config.baseline(), results);
            if (config.outDir() != null) {
                writeAtomically(config.outDir().resolve("compare.json"), report.toJson());
                writeAtomically(config.outDir().resolve("compare.md"), report.toMarkdown());
            }
            return report;
        } finally {
            if (torch != null) torch.close();
            if (baseline != null) baseline.close();
        }
    }

    /**
     * Warm-up on every side, then chunks of timed steps: each chunk runs every side
     * once, the order rotating from chunk to chunk, so each side sees the same
     * machine state on average.
     */
    private static CompareReport.ModeResult measure(Mode m, CompareConfig c, StepRunner lipreg, StepRunner torch, StepRunner baseline,
                                                    PrintStream log) {
        List<StepRunner> sides = new ArrayList<>(List.of(lipreg));
        if (torch != null) sides.add(torch);
        if (baseline != null) sides.add(baseline);
        if (c.warmup() > 0) for (StepRunner s : sides) s.run(m, c.warmup());
        double[][] ms = new double[sides.size()][c.steps()];
        int round = 0;
        for (int done = 0; done < c.steps(); round++) {
            int n = Math.min(c.chunk(), c.steps() - done);
            for (int k = 0; k < sides.size(); k++) {
                int side = (round + k) % sides.size();
                System.arraycopy(sides.get(side).run(m, n), 0, ms[side], done, n);
            }
            done += n;
        }
        var lip = CompareReport.Stats.of(ms[0]);
        var tor = torch == null ? null : CompareReport.Stats.of(ms[1]);
        var base = baseline == null ? null : CompareReport.Stats.of(ms[sides.size() - 1]);
        var r = new CompareReport.ModeResult(m, Flops.step(m, c.batch()) / 1e9, lip, tor, base, CompareReport.target(m));
        log.printf(Locale.ROOT, "%-16s LipReg %8.1f ms (min %8.1f)   PyTorch %s%s%n", m.id(), lip.medianMs(), lip.minMs(),
                tor == null ? "-" : String.format(Locale.ROOT, "%8.1f ms (min %8.1f)   ratio %.2f", tor.medianMs(), tor.minMs(), r.ratio()),
                base == null ? "" : String.format(Locale.ROOT, "   baseline %8.1f ms (min %8.1f)", base.medianMs(), base.minMs()));
        return r;
    }

    // ------------------------------------------------------------------ the two sides

    /**
     * In this JVM when OpenMP already has {@code threads} threads, else (or when a
     * baseline build runs too, so both builds run alike) in a child JVM with
     * OMP_NUM_THREADS set.
     */
    private static StepRunner startLipReg(CompareConfig c, BenchData data, PrintStream log) {
        boolean dnnl = c.backend().equals("dnnl");
        if (c.baseline() == null && (!dnnl || ompStartsWith(c.threads()))) {
            if (dnnl) Dnnl.setThreads(c.threads());
            return new LipRegSteps(Backends.byName(c.backend()), data, c.seed());
        }
        if (c.baseline() == null) {
            log.println("OMP_NUM_THREADS is " + System.getenv("OMP_NUM_THREADS") + ", not " + c.threads() + ": LipReg runs in a child JVM");
        }
        return startWorkerJvm("LipReg worker JVM", System.getProperty("java.class.path"), c);
    }

    /** A child JVM serving LipReg steps from {@code classPath} with OMP_NUM_THREADS = threads. */
    private static StepRunner startWorkerJvm(String name, String classPath, CompareConfig c) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                Compare.class.getName(), "--worker",
                "--batch", Integer.toString(c.batch()), "--seed", Long.toString(c.seed()), "--backend", c.backend()));
        if (c.dataDir() != null) cmd.addAll(List.of("--data", c.dataDir().toString()));
        return ProcessRunner.start(name, cmd, Map.of("OMP_NUM_THREADS", Integer.toString(c.threads())));
    }

    /** Whether libgomp starts (started) with {@code threads}: OMP_NUM_THREADS, or LipReg's default of all processors. */
    static boolean ompStartsWith(int threads) {
        String env = System.getenv("OMP_NUM_THREADS");
        if (env != null) return env.trim().equals(Integer.toString(threads));
        return Runtime.getRuntime().availableProcessors() == threads;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static StepRunner startTorch(CompareConfig c) {
        Path script = script();
        List<String> candidates = c.python() != null ? List.of(c.python().toString()) : List.of("/usr/bin/python3", "python3");
        ProcessRunner.WorkerException last = null;
        for (String python : candidates) {
            if (python.startsWith("/") && !Files.isExecutable(Path.of(python))) continue;
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--serve", "--threads", Integer.toString(c.threads()),
                    "--batch", Integer.toString(c.batch()), "--seed", Long.toString(c.seed()),
                    "--data", c.dataDir() == null ? "" : c.dataDir().toString()));
            try {
                return ProcessRunner.start("PyTorch (" + python + ")", cmd, Map.of("OPENBLAS_NUM_THREADS", "1",
                        "OMP_NUM_THREADS", Integer.toString(c.threads()), "PYTHONDONTWRITEBYTECODE", "1"));
            } catch (ProcessRunner.WorkerException e) {
                last = e;
            }
        }
        throw last != null ? last : new ProcessRunner.WorkerException("no Python interpreter found (tried " + candidates + ")");
    }

    /** compare.py: from bench/python when run in the source tree, else the copy packed in the jar. */
    static Path script() {
        Path source = Path.of("bench", "python", "compare.py");
        if (Files.isRegularFile(source)) return source.toAbsolutePath();
        Path sibling = Path.of("python", "compare.py");
        if (Files.isRegularFile(sibling)) return sibling.toAbsolutePath();
        try (InputStream in = Compare.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) throw new ProcessRunner.WorkerException("compare.py is neither in bench/python nor in the jar");
            Path tmp = Files.createTempFile("lipreg-compare", ".py");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting compare.py", e);
        }
    }

    private static Map<String, Object> machine(Map<String, Object> lipregInfo, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.putAll(lipregInfo);
        m.put("threads", threads);
        return m;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static void writeAtomically(Path target, String text) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, target.getFileName() + ".", ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target, e);
        }
    }

    // ------------------------------------------------------------------ command line

    static final String USAGE = """
            usage: Compare [--threads N] [--batch N] [--warmup N] [--steps N] [--modes all|m1,m2,...] [--chunk N]
                           [--python PATH] [--no-torch] [--data DIR] [--out DIR] [--seed N] [--backend dnnl|reference]
                           [--baseline CLASSPATH]
            modes: forward, input-gradient, train, exact-penalty, fd-penalty, fd-penalty-1dir, pgd7
            --baseline times another LipReg build (e.g. an older benchmarks.jar) in the same run: before/after.
            Prints the table and writes OUT/compare.json and OUT/compare.md (default out: target/bench).""";

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--worker")) {
            worker(args);
            return;
        }
        CompareConfig c;
        try {
            c = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (c == null) {
            System.out.println(USAGE);
            return;
        }
        CompareReport r = run(c);
        System.out.println(r.toMarkdown());
        if (c.outDir() != null) System.out.println("written: " + c.outDir().resolve("compare.json") + ", " + c.outDir().resolve("compare.md"));
    }

    /** The configuration the arguments describe; null for --help. */
    static CompareConfig parse(String[] args) {
        CompareConfig c = CompareConfig.defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) return null;
            if (a.equals("--no-torch")) {
                c = c.withTorch(false);
                continue;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            c = switch (a) {
                case "--threads" -> c.withThreads(integer(a, v));
                case "--batch" -> c.withBatch(integer(a, v));
                case "--warmup" -> c.withSteps(integer(a, v), c.steps());
                case "--steps" -> c.withSteps(c.warmup(), integer(a, v));
                case "--chunk" -> c.withChunk(integer(a, v));
                case "--modes" -> c.withModes(Mode.parseList(v));
                case "--python" -> c.withPython(Path.of(v));
                case "--data" -> c.withDataDir(Path.of(v));
                case "--out" -> c.withOutDir(v.equals("-") ? null : Path.of(v));
                case "--backend" -> c.withBackend(v);
                case "--seed" -> c.withSeed(Long.parseLong(v));
                case "--baseline" -> c.withBaseline(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            };
        }
        return c;
    }

    private static int integer(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects an integer, got '" + v + "'");
        }
    }

    /** The child-JVM side of {@link #startLipReg}: LipReg steps served over stdin/stdout like compare.py --serve. */
    private static void worker(String[] args) {
        PrintStream out = System.out;
        System.setOut(System.err); // stdout carries the protocol only
        int batch = 128;
        long seed = 42;
        String backend = "dnnl";
        Path data = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--backend" -> backend = args[i + 1];
                case "--data" -> data = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("worker: unknown option " + args[i]);
            }
        }
        LipRegSteps steps;
        try {
            steps = new LipRegSteps(Backends.byName(backend), BenchData.load(data, batch, 8, seed), seed);
        } catch (RuntimeException e) {
            out.println(ProcessRunner.JSON.createObjectNode().put("error", e.toString()));
            out.flush();
            return;
        }
        try (steps; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            ObjectNode ready = ProcessRunner.JSON.createObjectNode().put("ready", true);
            ready.set("info", ProcessRunner.JSON.valueToTree(steps.info()));
            out.println(ready);
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                ObjectNode reply = ProcessRunner.JSON.createObjectNode();
                try {
                    JsonNode cmd = ProcessRunner.JSON.readTree(line);
                    switch (cmd.path("cmd").asText()) {
                        case "quit" -> {
                            return;
                        }
                        case "info" -> reply.set("info", ProcessRunner.JSON.valueToTree(steps.info()));
                        case "run" -> {
                            reply.put("mode", cmd.path("mode").asText());
                            var arr = reply.putArray("ms");
                            for (double v : steps.run(Mode.parse(cmd.path("mode").asText()), cmd.path("n").asInt(1))) arr.add(v);
                        }
                        case "sgemm" -> {
                            Roofline.Result r = steps.sgemm(cmd.path("n").asInt(SGEMM_N), cmd.path("reps").asInt(SGEMM_REPS));
                            reply.put("n", r.n()).put("best_gflops", r.bestGflops()).put("median_gflops", r.medianGflops());
                        }
                        default -> reply.put("error", "unknown command " + cmd.path("cmd"));
                    }
                } catch (IOException | RuntimeException e) {
                    reply.put("error", e.toString());
                }
                out.println(reply);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
