package dev.lipreg.spark;

import dev.lipreg.eval.AttackSettings;
import dev.lipreg.eval.EvalSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code lipreg-spark eval}: the report of {@code lipreg eval}, computed by Spark tasks over slices of the test images. */
@Command(name = "eval", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Evaluate trained models on the same test images, as lipreg eval does (same options, same seed, same numbers), "
                + "with the images split over Spark tasks of whole attack batches.",
                "Prints the table of lipreg eval; with --out also writes OUT/report.md and OUT/report.json.",
                "Checkpoints are read on the driver and broadcast; --data-dir must be readable on every executor."})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    LipregSpark root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LipregSpark.SparkOptions spark;

    @Option(names = "--checkpoint", paramLabel = "DIR|FILE", required = true,
            description = "A training run directory or a checkpoint file with model.json beside it; repeat to compare models.")
    List<Path> checkpoints;

    @Mixin
    DataOptions data;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "1000", description = "Test images (a fixed seeded sample). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--eps-l2", paramLabel = "LIST", defaultValue = "0.25,0.5,1,2", description = "ℓ2 budgets, comma separated, or none. Default: ${DEFAULT-VALUE}.")
    String epsL2;

    @Option(names = "--eps-linf", paramLabel = "LIST", defaultValue = "0.02,0.05,0.1", description = "ℓ∞ budgets, or none. Default: ${DEFAULT-VALUE}.")
    String epsLinf;

    @Option(names = "--attacks", paramLabel = "NAME", split = ",", defaultValue = "pgd,deepfool",
            description = "Attacks: " + AttackSettings.NAMES + ". Default: ${DEFAULT-VALUE}.")
    List<String> attacks;

    @Option(names = "--certify", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Certified ℓ2 accuracy from a sound Lipschitz upper bound (computed once, on the driver). Default: on.")
    boolean certify;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the test sample and the attacks. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "10", description = "Steps of pgd, apgd, bim and bisect. Default: ${DEFAULT-VALUE}.")
    int pgdSteps;

    @Option(names = "--bisection-steps", paramLabel = "N", defaultValue = "8", description = "Halvings of ε for bisect. Default: ${DEFAULT-VALUE}.")
    int bisectionSteps;

    @Option(names = "--cw-steps", paramLabel = "N", defaultValue = "100", description = "Adam steps per binary-search step of cw. Default: ${DEFAULT-VALUE}.")
    int cwSteps;

    @Option(names = "--boundary-steps", paramLabel = "N", defaultValue = "500", description = "Steps of the boundary attack. Default: ${DEFAULT-VALUE}.")
    int boundarySteps;

    @Option(names = "--square-queries", paramLabel = "N", defaultValue = "1000", description = "Queries of the square attack. Default: ${DEFAULT-VALUE}.")
    int squareQueries;

    @Option(names = "--attack-batch", paramLabel = "N", defaultValue = "250",
            description = "Images per attack batch: the unit of work of a task, and of the attacks' seeding. Default: ${DEFAULT-VALUE}.")
    int attackBatch;

    @Option(names = "--batches-per-task", paramLabel = "N", defaultValue = "0",
            description = "Attack batches per Spark task; 0 spreads the images over the default parallelism. Default: ${DEFAULT-VALUE}.")
    int batchesPerTask;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write OUT/report.md and OUT/report.json.")
    Path out;

    @Override
    public Integer call() {
        EvalSettings settings;
        try {
            settings = EvalSettings.builder().epsL2(budgets("--eps-l2", epsL2)).epsLinf(budgets("--eps-linf", epsLinf))
                    .attacks(attacks.toArray(String[]::new)).certify(certify).seed(seed)
                    .attack(AttackSettings.builder().pgdSteps(pgdSteps).bisectionSteps(bisectionSteps).cwSteps(cwSteps)
                            .boundarySteps(boundarySteps).squareQueries(squareQueries).batch(attackBatch).build())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new BadSettingException(e.getMessage(), e);
        }
        EvalJob job = new EvalJob(data.name, data.absoluteDir(), testSubset, settings, spark.taskThreads, batchesPerTask);
        job.validate();
        for (Path p : checkpoints) ModelBytes.read("--checkpoint", p); // before Spark starts
        data.check();
        try (LipregSpark.Session session = root.session(spark, "lipreg-spark eval")) {
            DistributedEvaluation.Result r = DistributedEvaluation.run(session.context(), checkpoints, job);
            String md = r.report().markdown();
            spec.commandLine().getOut().print(md);
            if (out != null) {
                write(out.resolve("report.md"), md);
                try {
                    write(out.resolve("report.json"), SweepTask.JSON.writeValueAsString(r.report()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("cannot serialize the report: " + e.getOriginalMessage(), e);
                }
                spec.commandLine().getOut().println();
                spec.commandLine().getOut().println("report: " + out.resolve("report.json") + ", " + out.resolve("report.md"));
            }
            spec.commandLine().getOut().flush();
        }
        return LipregSpark.OK;
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static double[] budgets(String option, String list) {
        if (list.isBlank() || list.equalsIgnoreCase("none")) return new double[0];
        List<Double> v = new ArrayList<>();
        for (String s : list.split(",")) {
            try {
                v.add(Double.parseDouble(s.strip()));
            } catch (NumberFormatException e) {
                throw new BadSettingException(option + ": expected comma-separated budgets ε > 0 (or none), got '" + list + "'");
            }
        }
        for (double e : v) if (!(e > 0) || Double.isInfinite(e)) throw new BadSettingException(option + ": expected budgets ε > 0, got " + e);
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
