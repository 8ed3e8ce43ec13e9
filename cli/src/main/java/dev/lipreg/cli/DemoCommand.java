package dev.lipreg.cli;

import dev.lipreg.tensor.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code lipreg demo}: the README's main job. On real Fashion-MNIST, trains
 * fashion-cnn undefended and with the paper's TV + Lipschitz penalties, then
 * evaluates both on the same test images and prints them side by side.
 */
@Command(name = "demo", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Train fashion-cnn on Fashion-MNIST undefended and with TV (ε = 0.01) + Lipschitz (λ = 0.1) penalties, evaluate both on "
                + "the same test images (PGD and DeepFool) and print clean error, error at an ℓ2 and an ℓ∞ budget, median ℓ2 distance and "
                + "gradient norms side by side.",
                "Writes OUT/undefended and OUT/lipschitz (training runs) and OUT/report.{json,md} with plots."})
final class DemoCommand implements Callable<Integer> {
    static final double LAMBDA = 0.1, TV = 0.01;

    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Fashion-MNIST directory (Debian: apt-get install dataset-fashion-mnist). Default: ${DEFAULT-VALUE}.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/demo", description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Training epochs of each model. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--train-subset", paramLabel = "N", defaultValue = "0", description = "Training images (0 = all 60000). Default: ${DEFAULT-VALUE}.")
    int trainSubset;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.05", description = "SGD learning rate (momentum 0.9). Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--eval-images", paramLabel = "N", defaultValue = "1000", description = "Test images evaluated. Default: ${DEFAULT-VALUE}.")
    int evalImages;

    @Option(names = "--eps-l2", paramLabel = "ε", defaultValue = "1.0", description = "ℓ2 budget of the table (the error curves add 0.25, 0.5, 1 and 2). Default: ${DEFAULT-VALUE}.")
    double epsL2;

    @Option(names = "--eps-linf", paramLabel = "ε", defaultValue = "0.05", description = "ℓ∞ budget of the table (the error curves add 0.02, 0.05 and 0.1). Default: ${DEFAULT-VALUE}.")
    double epsLinf;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        PrintWriter stdout = spec.commandLine().getOut();
        DataOptions dataOptions = new DataOptions();
        dataOptions.data = DataSource.FASHION_MNIST.id;
        dataOptions.dir = data;
        // the table's budgets plus a few more for the error curves (PGD costs a few seconds per budget)
        double[] l2 = curve("--eps-l2", epsL2, 0.25, 0.5, 1, 2), linf = curve("--eps-linf", epsLinf, 0.02, 0.05, 0.1);
        if (evalImages < 1) throw BadInputException.of("--eval-images", "a count >= 1", evalImages);
        TrainSettings plain = settings(null, null), robust = settings(LAMBDA, TV);
        plain.validate();
        robust.validate();
        DataSource.FASHION_MNIST.load(data, dev.lipreg.data.Split.TEST); // a missing dataset fails here, before any training
        Backend b = backend.resolve();
        Progress.Factory progress = parent.progress(spec);

        Path plainDir = out.resolve("undefended"), robustDir = out.resolve("lipschitz");
        double plainSeconds = train("undefended", plain, plainDir, b, progress, stdout);
        double robustSeconds = train("TV ε=" + TV + " + Lip λ=" + LAMBDA, robust, robustDir, b, progress, stdout);

        AttackOptions attacks = new AttackOptions();
        attacks.pgdSteps = 10;
        attacks.bisectionSteps = 8;
        attacks.cwSteps = 100;
        attacks.boundarySteps = 500;
        attacks.batch = 250;
        // DeepFool for the median ℓ2 distance, PGD for the errors
        Evaluator.Settings eval = new Evaluator.Settings(l2, linf, List.of("pgd", "deepfool"), List.of("pgd"), true, attacks, 0);
        List<ModelRef> refs = List.of(ModelRef.resolve("--out", plainDir), ModelRef.resolve("--out", robustDir));
        stdout.println();
        stdout.println("== evaluation on " + evalImages + " test images (PGD-" + attacks.pgdSteps + " ℓ2 and ℓ∞, DeepFool ℓ2)");
        EvalReport report = EvalCommand.run(refs, eval, dataOptions, evalImages, b, progress, out, stdout);
        stdout.println();
        stdout.print(sideBySide(report, epsL2, epsLinf, plainSeconds, robustSeconds));
        stdout.printf(Locale.ROOT, "%ndemo finished in %s on backend %s%n", Progress.duration((System.nanoTime() - start) / 1e9), b.name());
        stdout.flush();
        return Lipreg.OK;
    }

    private static double[] curve(String option, double table, double... more) {
        List<Double> all = new java.util.ArrayList<>(List.of(table));
        for (double m : more) if (m != table) all.add(m);
        return AttackOptions.epsilons(option, all);
    }

    private TrainSettings settings(Double lip, Double tv) {
        return new TrainSettings("fashion-cnn", DataSource.FASHION_MNIST.id, trainSubset, evalImages, epochs, batch, "sgd", lr, 0.9, 0,
                "constant", 0, "cross-entropy", lip, tv, null, "l2", null, false, null);
    }

    /** Trains one model into {@code dir}, replacing an earlier demo's run there. */
    private double train(String title, TrainSettings s, Path dir, Backend b, Progress.Factory progress, PrintWriter stdout) {
        for (String f : List.of(RunDir.CHECKPOINT, RunDir.HISTORY, RunDir.MODEL)) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot replace the earlier demo run in " + dir + ": " + e.getMessage(), e);
            }
        }
        stdout.println("== training fashion-cnn, " + title);
        stdout.flush();
        TrainingRun.Result r = new TrainingRun(s, dir, b, data, progress, stdout).run(false, 0);
        return r.seconds();
    }

    /** Rows are metrics, columns the two models. */
    static String sideBySide(EvalReport report, double epsL2, double epsLinf, double plainSeconds, double robustSeconds) {
        Evaluator.ModelReport a = report.models().get(0), c = report.models().get(1);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| %-40s | %12s | %20s |%n", "Fashion-MNIST, fashion-cnn", "undefended", "TV " + TV + " + Lip " + LAMBDA));
        sb.append("|").append("-".repeat(42)).append("|").append("-".repeat(14)).append("|").append("-".repeat(22)).append("|\n");
        row(sb, "clean error", EvalReport.pct(a.cleanError()), EvalReport.pct(c.cleanError()));
        for (String norm : List.of("l2", "linf")) {
            Evaluator.Curve ca = a.errors().get(norm), cc = c.errors().get(norm);
            if (ca == null) continue;
            int j = java.util.Arrays.binarySearch(ca.epsilons(), norm.equals("l2") ? epsL2 : epsLinf);
            row(sb, "error at " + EvalReport.normLabel(norm) + " ε = " + EvalReport.num(ca.epsilons()[j]) + " (worst attack)",
                    EvalReport.pct(ca.error()[j]), EvalReport.pct(cc.error()[j]));
        }
        row(sb, "median ℓ2 distance (DeepFool)", num(a.medianDistance().get("l2")), num(c.medianDistance().get("l2")));
        row(sb, "max ‖∇ₓℓ‖₂ on test images", EvalReport.num(a.gradients().maxL2()), EvalReport.num(c.gradients().maxL2()));
        row(sb, "mean ‖∇ₓℓ‖₂ on test images", EvalReport.num(a.gradients().meanL2()), EvalReport.num(c.gradients().meanL2()));
        if (a.certification() != null && c.certification() != null) {
            row(sb, "Lipschitz upper bound (logits, sound)", EvalReport.num(a.certification().lipschitzBound()), EvalReport.num(c.certification().lipschitzBound()));
        }
        row(sb, "training time", Progress.duration(plainSeconds), Progress.duration(robustSeconds));
        return sb.toString();
    }

    private static String num(Double d) {
        return d == null ? "—" : EvalReport.num(d);
    }

    private static void row(StringBuilder sb, String name, String a, String b) {
        sb.append(String.format(Locale.ROOT, "| %-40s | %12s | %20s |%n", name, a, b));
    }
}
