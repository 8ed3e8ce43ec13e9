package dev.lipreg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lipreg.bindings.Dnnl;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.OpProfile;

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
        BenchData data = BenchData.load(config.dataDir(), BenchData.imageFor(config.model()), config.batch(), 8, config.seed());
        String torchNote = null, libtorchNote = null;
        StepRunner torch = null, baseline = null, libtorch = null;
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
            if (config.libtorch() != null) {
                try {
                    libtorch = startLibTorch(config);
                } catch (ProcessRunner.WorkerException e) {
                    libtorchNote = e.getMessage();
                    log.println("libtorch side not run: " + libtorchNote);
                }
            } else {
                libtorchNote = "not requested (--libtorch CLASSPATH of lipreg-bench-torch; make bench-compare sets it)";
            }
            List<GradientCheck> checks = check(lipreg, torch, libtorch, GradientCheck.gradientTolerance(config.model()), log);
            Map<String, Double> perOp = new LinkedHashMap<>();
            if (torch != null) perOp.put("pytorch", torch.perOpMicros());
            if (libtorch != null) perOp.put("libtorch", libtorch.perOpMicros());
            Roofline.Result roof = lipreg.sgemm(SGEMM_N, SGEMM_REPS);
            log.printf(Locale.ROOT, "dnnl_sgemm %d³: %.1f GFLOP/s%n", SGEMM_N, roof.bestGflops());
            List<CompareReport.ModeResult> results = new ArrayList<>();
            StringBuilder profile = new StringBuilder();
            if (OpProfile.ON && !(lipreg instanceof LipRegSteps)) log.println("--profile: LipReg runs in a child JVM here; not profiled");
            for (Mode m : config.modes()) {
                results.add(measure(m, config, lipreg, torch, baseline, libtorch, log, profile));
            }
            if (!profile.isEmpty()) {
                log.print(profile);
                if (config.outDir() != null) writeAtomically(config.outDir().resolve("profile.md"), profile.toString());
            }
            Roofline.Result again = lipreg.sgemm(SGEMM_N, SGEMM_REPS);
            if (again.bestGflops() > roof.bestGflops()) roof = again;
            Map<String, Object> machine = machine(lipreg.info(), config.threads());
            CompareReport report = new CompareReport(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine,
                    config.threads(), config.batch(), config.warmup(), config.jvmWarmupSeconds(), config.steps(), data.source(), roof,
                    torch == null ? null : torch.info(), torchNote, config.baseline(), results, config.model(),
                    libtorch == null ? null : libtorch.info(), libtorchNote, checks, perOp);
            if (config.outDir() != null) {
                writeAtomically(config.outDir().resolve("compare.json"), report.toJson());
                writeAtomically(config.outDir().resolve("compare.md"), report.toMarkdown());
            }
            return report;
        } finally {
            if (torch != null) torch.close();
            if (baseline != null) baseline.close();
            if (libtorch != null) libtorch.close();
        }
    }

    /**
     * Before timing: LipReg's parameters and first batch go to every peer, and each
     * peer's exact objective and parameter gradient must match LipReg's
     * ({@link GradientCheck}); a mismatch stops the run, as its timings would compare
     * different computations. The peers then hold LipReg's initial weights.
     */
    private static List<GradientCheck> check(StepRunner lipreg, StepRunner torch, StepRunner libtorch, double gradTolerance, PrintStream log) {
        List<GradientCheck> checks = new ArrayList<>();
        if (torch == null && libtorch == null) return checks;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("lipreg-check");
            Path in = dir.resolve("params-and-batch.f32"), mine = dir.resolve("grad-lipreg.f32");
            double objective = lipreg.exportCheck(in, mine);
            for (var peer : List.of(Map.entry("PyTorch", torch == null ? lipreg : torch), Map.entry("libtorch", libtorch == null ? lipreg : libtorch))) {
                if (peer.getValue() == lipreg) continue;
                Path theirs = dir.resolve("grad-" + peer.getKey() + ".f32");
                double o = peer.getValue().check(in, theirs);
                GradientCheck c = GradientCheck.compare(peer.getKey(), objective, mine, o, theirs, gradTolerance);
                log.println("check " + (c.agrees() ? "ok: " : "FAILED: ") + c);
                if (!c.agrees()) throw new IllegalStateException("the peers compute different steps, timing them compares nothing: " + c);
                checks.add(c);
            }
            return checks;
        } catch (IOException e) {
            throw new UncheckedIOException("agreement check", e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temp dir left behind
                }
            }
        }
    }

    /**
     * Warm-up on every side, then chunks of timed steps: each chunk runs every side
     * once, the order rotating from chunk to chunk, so each side sees the same
     * machine state on average.
     */
    private static CompareReport.ModeResult measure(Mode m, CompareConfig c, StepRunner lipreg, StepRunner torch, StepRunner baseline,
                                                    StepRunner libtorch, PrintStream log, StringBuilder profile) {
        List<StepRunner> sides = new ArrayList<>(List.of(lipreg));
        if (torch != null) sides.add(torch);
        if (baseline != null) sides.add(baseline);
        if (libtorch != null) sides.add(libtorch);
        for (StepRunner s : sides) s.peakKib(true);
        if (c.warmup() > 0) for (StepRunner s : sides) s.run(m, c.warmup());
        for (StepRunner jvm : java.util.Arrays.asList(lipreg, baseline)) if (jvm != null) jitWarmup(jvm, m, c.jvmWarmupSeconds());
        boolean profiled = OpProfile.ON && lipreg instanceof LipRegSteps; // only LipReg's ops run in this JVM
        if (profiled) OpProfile.reset();
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
        if (profiled) profile.append(ProfileTable.markdown(m, c.model(), c.batch(), OpProfile.snapshot(), ms[0])).append('\n');
        var lip = CompareReport.Stats.of(ms[0]);
        var tor = torch == null ? null : CompareReport.Stats.of(ms[sides.indexOf(torch)]);
        var base = baseline == null ? null : CompareReport.Stats.of(ms[sides.indexOf(baseline)]);
        var lib = libtorch == null ? null : CompareReport.Stats.of(ms[sides.indexOf(libtorch)]);
        var peak = new CompareReport.PeakMib(mib(lipreg.peakKib(false)), torch == null ? -1 : mib(torch.peakKib(false)),
                libtorch == null ? -1 : mib(libtorch.peakKib(false)));
        var r = new CompareReport.ModeResult(m, Flops.step(m, c.batch(), c.model()) / 1e9, lip, tor, base, CompareReport.target(m), lib, peak);
        log.printf(Locale.ROOT, "%-16s LipReg %8.1f ms (min %8.1f, %s MiB)   PyTorch %s   libtorch %s%s%n", m.id(), lip.medianMs(), lip.minMs(),
                CompareReport.PeakMib.fmt(peak.lipreg()),
                tor == null ? "-" : String.format(Locale.ROOT, "%8.1f ms (min %8.1f, %s MiB)   ratio %.2f", tor.medianMs(), tor.minMs(),
                        CompareReport.PeakMib.fmt(peak.torch()), r.ratio()),
                lib == null ? "-" : String.format(Locale.ROOT, "%8.1f ms (min %8.1f, %s MiB)   ratio %.2f", lib.medianMs(), lib.minMs(),
                        CompareReport.PeakMib.fmt(peak.libtorch()), r.libtorchRatio()),
                base == null ? "" : String.format(Locale.ROOT, "   baseline %8.1f ms (min %8.1f)", base.medianMs(), base.minMs()));
        return r;
    }

    /**
     * Untimed steps of mode {@code m} until {@code seconds} have passed: C2 compiles a
     * host loop after thousands of calls, and timed steps before that measure the JIT.
     * resnet-small's train step, batch 32: 54 ms after 20 warm-up steps, 29 ms after 150.
     */
    private static void jitWarmup(StepRunner side, Mode m, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) side.run(m, 1);
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
            return new LipRegSteps(Backends.byName(c.backend()), data, c.seed(), c.model());
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
                "--batch", Integer.toString(c.batch()), "--seed", Long.toString(c.seed()), "--backend", c.backend(), "--model", c.model()));
        if (c.dataDir() != null) cmd.addAll(List.of("--data", c.dataDir().toString()));
        return ProcessRunner.start(name, cmd, Map.of("OMP_NUM_THREADS", Integer.toString(c.threads())));
    }

    private static double mib(long kib) {
        return kib < 0 ? -1 : kib / 1024.0;
    }

    /**
     * The libtorch 2.7.1 side: compare.py --script writes the TorchScript steps of
     * the same model (under Debian's torch, which must be importable), and a child
     * JVM on {@code config.libtorch()}'s class path serves them through DJL.
     */
    private static StepRunner startLibTorch(CompareConfig c) {
        Path script;
        try {
            script = Files.createTempFile("lipreg-steps-" + c.model() + "-", ".pt");
            script.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String python = c.python() != null ? c.python().toString() : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        List<String> scripting = List.of(python, script().toString(), "--script", script.toString(), "--model", c.model(),
                "--seed", Long.toString(c.seed()));
        try {
            Process p = new ProcessBuilder(scripting).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new ProcessRunner.WorkerException("the TorchScript steps could not be written (" + String.join(" ", scripting) + "): " + output.strip());
            }
        } catch (IOException e) {
            throw new ProcessRunner.WorkerException("the TorchScript steps could not be written: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessRunner.WorkerException("interrupted while writing the TorchScript steps");
        }
        List<String> cmd = List.of(javaBinary(), "-Dai.djl.offline=true", "--enable-native-access=ALL-UNNAMED", "-cp", c.libtorch(),
                "dev.lipreg.bench.torch.LibTorchWorker", "--script", script.toString(), "--model", c.model(),
                "--threads", Integer.toString(c.threads()), "--batch", Integer.toString(c.batch()), "--seed", Long.toString(c.seed()),
                "--data", c.dataDir() == null ? "" : c.dataDir().toString());
        return ProcessRunner.start("libtorch (DJL worker JVM)", cmd, Map.of("OMP_NUM_THREADS", Integer.toString(c.threads())));
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
                    "--data", c.dataDir() == null ? "" : c.dataDir().toString(), "--model", c.model()));
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
            usage: Compare [--threads N] [--batch N] [--warmup N] [--jvm-warmup SECONDS] [--steps N] [--modes all|m1,m2,...] [--chunk N]
                           [--python PATH] [--no-torch] [--data DIR] [--out DIR] [--seed N] [--backend dnnl|reference]
                           [--baseline CLASSPATH] [--model fashion-cnn|resnet-small|resnext34-2x32] [--libtorch CLASSPATH] [--profile]
            modes: forward, input-gradient, train, exact-penalty, fd-penalty, fd-penalty-1dir, pgd7
            --jvm-warmup (default 20): after the --warmup steps every side runs, each LipReg JVM keeps running untimed
            steps of the mode for this long, so its host code is JIT-compiled before it is timed.
            --baseline times another LipReg build (e.g. an older benchmarks.jar) in the same run: before/after.
            --profile times LipReg's backend ops during the timed steps (-Dlipreg.profile=true) and writes OUT/profile.md:
            ms per step of every op, and what is spent outside them (after the --jvm-warmup, like every timing).
            --libtorch times libtorch 2.7.1 through DJL too: the class path of lipreg-bench-torch (its target/classpath.txt
            plus its classes); the model's TorchScript steps are written by compare.py under Debian's python3-torch.
            Every side's peak RSS per mode is measured; LipReg's exact objective and gradient are checked against
            each peer's before timing.
            Prints the table and writes OUT/compare.json and OUT/compare.md (default out: target/bench).""";

    public static void main(String[] args) {
        if (java.util.Arrays.asList(args).contains("--profile")) {
            // read once when the backend's first op runs: set before anything touches a backend
            System.setProperty("lipreg.profile", "true");
            args = java.util.Arrays.stream(args).filter(a -> !a.equals("--profile")).toArray(String[]::new);
        }
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
                case "--jvm-warmup" -> c.withJvmWarmup(seconds(a, v));
                case "--steps" -> c.withSteps(c.warmup(), integer(a, v));
                case "--chunk" -> c.withChunk(integer(a, v));
                case "--modes" -> c.withModes(Mode.parseList(v));
                case "--python" -> c.withPython(Path.of(v));
                case "--data" -> c.withDataDir(Path.of(v));
                case "--out" -> c.withOutDir(v.equals("-") ? null : Path.of(v));
                case "--backend" -> c.withBackend(v);
                case "--seed" -> c.withSeed(Long.parseLong(v));
                case "--baseline" -> c.withBaseline(v);
                case "--model" -> c.withModel(v);
                case "--libtorch" -> c.withLibtorch(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            };
        }
        return c;
    }

    private static double seconds(String option, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number of seconds, got '" + v + "'");
        }
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
        String backend = "dnnl", model = "fashion-cnn";
        Path data = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--backend" -> backend = args[i + 1];
                case "--data" -> data = Path.of(args[i + 1]);
                case "--model" -> model = args[i + 1];
                default -> throw new IllegalArgumentException("worker: unknown option " + args[i]);
            }
        }
        LipRegSteps steps;
        try {
            steps = new LipRegSteps(Backends.byName(backend), BenchData.load(data, BenchData.imageFor(model), batch, 8, seed), seed, model);
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
                        case "peak" -> reply.put("kib", steps.peakKib(cmd.path("reset").asBoolean(false)));
                        case "export-check" -> reply.put("objective",
                                steps.exportCheck(Path.of(cmd.path("file").asText()), Path.of(cmd.path("out").asText())));
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
