package dev.lipreg.cli;

import dev.lipreg.bench.Compare;
import dev.lipreg.bench.CompareConfig;
import dev.lipreg.bench.CompareReport;
import dev.lipreg.bench.Mode;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code lipreg bench}: LipReg and PyTorch side by side ({@code --compare}), or the JMH benchmarks. */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Benchmarks. With --compare: time LipReg and PyTorch (Debian's python3-torch) side by side in one run, "
                + "same threads, batch 128, fashion-cnn on Fashion-MNIST, in every mode (forward, input gradient, training, "
                + "exact and finite-difference penalty steps, PGD-7), and write compare.json and compare.md.",
                "Without --compare: run the JMH benchmarks whose names match --jmh."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--compare", description = "Run the side-by-side comparison with PyTorch.")
    boolean compare;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Threads of both sides. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Untimed steps per mode. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--jvm-warmup", paramLabel = "SECONDS", defaultValue = "20", description = "After the warm-up steps, LipReg keeps "
            + "running untimed steps of each mode this long so the JVM has compiled its host code. Default: ${DEFAULT-VALUE}.")
    double jvmWarmup;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "30", description = "Timed steps per mode. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--modes", paramLabel = "LIST", split = ",", description = "Modes to time (default all): forward, input-gradient, "
            + "train, exact-penalty, fd-penalty, fd-penalty-1dir, pgd7.")
    List<String> modes;

    @Option(names = "--no-torch", description = "Time LipReg only.")
    boolean noTorch;

    @Option(names = "--python", paramLabel = "PATH", description = "Python with torch (default: /usr/bin/python3, then python3).")
    Path python;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/bench", description = "Report directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--jmh", paramLabel = "REGEX", defaultValue = ".*", description = "JMH benchmarks to run (without --compare). Default: all.")
    String jmh;

    @Override
    public Integer call() throws RunnerException {
        PrintWriter o = spec.commandLine().getOut();
        if (!compare) {
            new Runner(new OptionsBuilder().include(jmh).build()).run();
            return Lipreg.OK;
        }
        CompareConfig c = CompareConfig.defaults();
        try {
            c = c.withThreads(threads).withBatch(batch).withSteps(warmup, steps).withJvmWarmup(jvmWarmup).withTorch(!noTorch).withOutDir(out);
            if (modes != null) {
                List<Mode> ms = new ArrayList<>();
                for (String m : modes) ms.add(Mode.parse(m));
                c = c.withModes(ms);
            }
            if (python != null) c = c.withPython(python);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        CompareReport r = Compare.run(c);
        o.println(r.toMarkdown());
        o.println("written: " + out.resolve("compare.json") + ", " + out.resolve("compare.md"));
        o.flush();
        return Lipreg.OK;
    }
}
