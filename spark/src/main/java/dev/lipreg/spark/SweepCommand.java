package dev.lipreg.spark;

import dev.lipreg.tensor.Norm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code lipreg-spark sweep}: trains and evaluates a grid of penalty settings, one Spark task per model. */
@Command(name = "sweep", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Train and evaluate every combination of --lip × --tv × --norm × --fd, one Spark task per model.",
                "Writes OUT/runs/NAME/{model.json,checkpoint.safetensors,history.json,result.json} (each run directory published "
                        + "atomically; lipreg eval --checkpoint reads it) and OUT/sweep.md (printed), OUT/sweep.json, OUT/tradeoff.png "
                        + "(clean error and error under PGD against λ).",
                "--data-dir and --out must be readable / writable at the same path on the driver and on every executor."})
final class SweepCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    LipregSpark root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LipregSpark.SparkOptions spark;

    @Option(names = "--lip", paramLabel = "LIST", defaultValue = "0,0.01,0.1,1", split = ",",
            description = "Lipschitz weights λ (0 = no Lipschitz penalty). Default: ${DEFAULT-VALUE}.")
    double[] lip;

    @Option(names = "--tv", paramLabel = "LIST", defaultValue = "0", split = ",",
            description = "Total-variation weights ε (0 = none). Default: ${DEFAULT-VALUE}.")
    double[] tv;

    @Option(names = "--norm", paramLabel = "LIST", defaultValue = "l2", split = ",",
            description = "Attack norms (l2, linf): of the TV penalty and of the evaluation. Default: ${DEFAULT-VALUE}.")
    List<String> norms;

    @Option(names = "--fd", paramLabel = "LIST", defaultValue = "0", split = ",",
            description = "Finite-difference steps h; 0 = exact (double backprop). Default: ${DEFAULT-VALUE}.")
    double[] fd;

    @Mixin
    DataOptions data;

    @Option(names = "--model", paramLabel = "PRESET", defaultValue = "mlp", description = "Model preset. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--train-subset", paramLabel = "N", defaultValue = "0", description = "Training images (seeded sample; 0 = all).")
    int trainSubset;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "1000", description = "Test images evaluated. Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05", description = "SGD learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    double momentum;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of subsets, initialization, shuffling and attacks.")
    long seed;

    @Option(names = "--eps-l2", paramLabel = "LIST", defaultValue = "0.5,1", split = ",", description = "ℓ2 budgets. Default: ${DEFAULT-VALUE}.")
    double[] epsL2;

    @Option(names = "--eps-linf", paramLabel = "LIST", defaultValue = "0.05,0.1", split = ",", description = "ℓ∞ budgets. Default: ${DEFAULT-VALUE}.")
    double[] epsLinf;

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "10", description = "PGD steps. Default: ${DEFAULT-VALUE}.")
    int pgdSteps;

    @Option(names = "--attack-batch", paramLabel = "N", defaultValue = "250", description = "Images per attack batch. Default: ${DEFAULT-VALUE}.")
    int attackBatch;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory (shared by driver and executors).")
    Path out;

    @Override
    public Integer call() {
        List<Norm> ns = norms.stream().map(SweepCommand::norm).toList();
        double[] l2 = sorted(epsL2), linf = sorted(epsLinf);
        SweepSettings s = new SweepSettings(data.name, data.absoluteDir(), model, trainSubset, testSubset, epochs, batch, lr, momentum,
                seed, l2, linf, pgdSteps, attackBatch, spark.taskThreads, out.toAbsolutePath().toString()).validate();
        List<SweepPoint> grid = SweepPoint.grid(lip, tv, ns, fd);
        data.check(); // before Spark starts
        try (LipregSpark.Session session = root.session(spark, "lipreg-spark sweep")) {
            SweepReport r = Sweep.run(session.context(), s, grid);
            spec.commandLine().getOut().print(r.markdown());
            spec.commandLine().getOut().println();
            spec.commandLine().getOut().println("summary: " + out.resolve(SweepReport.MARKDOWN) + ", " + out.resolve(SweepReport.JSON));
            spec.commandLine().getOut().println("plot:    " + out.resolve(SweepReport.PLOT));
            spec.commandLine().getOut().flush();
        }
        return LipregSpark.OK;
    }

    static Norm norm(String s) {
        try {
            Norm n = Norm.parse(s.strip());
            if (n != Norm.L1) return n;
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new BadSettingException("--norm: expected l2 or linf, got '" + s + "'");
    }

    private static double[] sorted(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s;
    }
}
