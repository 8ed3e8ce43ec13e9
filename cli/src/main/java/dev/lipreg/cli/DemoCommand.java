package dev.lipreg.cli;

import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.DetectionStatistic;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;

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
                "Writes OUT/undefended and OUT/lipschitz (training runs), OUT/report.{json,md} with plots, OUT/detect-*/ and "
                        + "OUT/theory/ (the paper's checks, as lipreg theory)."})
final class DemoCommand implements Callable<Integer> {
    static final double LAMBDA = 0.1, TV = 0.01;
    static final int THEORY_TRAIN_IMAGES = 1000;

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

    @Option(names = "--cw-steps", paramLabel = "N", defaultValue = "50",
            description = "Adam steps per binary-search step of CW, plain and detector-aware. Default: ${DEFAULT-VALUE}.")
    int cwSteps;

    @Option(names = "--detect-images", paramLabel = "N", defaultValue = "100",
            description = "Test images of the detection table (0: no detection). Default: ${DEFAULT-VALUE}.")
    int detectImages;

    @Option(names = "--theory-images", paramLabel = "N", defaultValue = "100",
            description = "Test images of the paper's checks (lipreg theory; 0: no checks). Default: ${DEFAULT-VALUE}.")
    int theoryImages;

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
        if (cwSteps < 1) throw BadInputException.of("--cw-steps", "a count >= 1", cwSteps);
        if (detectImages < 0) throw BadInputException.of("--detect-images", "a count >= 0", detectImages);
        if (theoryImages < 0 || theoryImages == 1) throw BadInputException.of("--theory-images", "0 or a count >= 2", theoryImages);
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
        attacks.cwSteps = cwSteps;
        attacks.boundarySteps = 500;
        attacks.squareQueries = 300;
        attacks.batch = 250;
        // errors: the ensemble (APGD-CE, APGD-DLR-T, Square), worst case per image; distances: smallest of PGD bisection, CW, DeepFool
        EvalSettings eval = new EvalSettings(l2, linf, List.of("ensemble"), List.of("ensemble"), true, attacks.settings(), 0);
        List<ModelRef> refs = List.of(ModelRef.resolve("--out", plainDir), ModelRef.resolve("--out", robustDir));
        stdout.println();
        stdout.println("== evaluation on " + evalImages + " test images: ensemble of APGD-CE, APGD-DLR-T and Square (" + attacks.squareQueries
                + " queries), ℓ2 and ℓ∞; minimal distances: smallest of PGD bisection, CW (ℓ2) and DeepFool");
        EvalReport report = EvalCommand.run(refs, eval, dataOptions, evalImages, b, progress, out, stdout);
        stdout.println();
        stdout.print(sideBySide(report, epsL2, epsLinf, plainSeconds, robustSeconds));
        if (detectImages > 0) {
            stdout.println();
            stdout.println("== detection on " + detectImages + " test images: max_k ‖∇ₓ softmax_k‖₂ thresholded at 5% false positives; "
                    + "ℓ2 attacks at ε = " + EvalReport.num(epsL2) + ", and CW against the detector (evasive)");
            stdout.print(detection(refs, dataOptions, b, attacks, progress));
        }
        if (theoryImages > 0) {
            stdout.println();
            stdout.println("== the paper's checks (lipreg theory): the loss bound on up to " + THEORY_TRAIN_IMAGES + " training images, "
                    + "minimal ℓ2 distances against margin / ‖∇ₓ margin‖₂ on " + theoryImages + " test images");
            TheoryCommand.Settings theory = new TheoryCommand.Settings(Norm.L2, 4, 10, 8, cwSteps, 250, 0);
            TheoryCommand.run(TheoryCommand.Run.read("--out", "undefended", plainDir), TheoryCommand.Run.read("--out", "regularized", robustDir),
                    theory, dataOptions, THEORY_TRAIN_IMAGES, theoryImages, b, progress, out.resolve("theory"), stdout);
        }
        stdout.printf(Locale.ROOT, "%ndemo finished in %s on backend %s%n", Progress.duration((System.nanoTime() - start) / 1e9), b.name());
        stdout.flush();
        return Lipreg.OK;
    }

    /** The paper's detection table for both models; each model's files go to OUT/detect-NAME/. */
    private String detection(List<ModelRef> refs, DataOptions data, Backend b, AttackOptions attacks, Progress.Factory progress) {
        List<DetectCommand.Report> reports = new java.util.ArrayList<>();
        try (Scope scope = Scope.open()) {
            TestImages test = TestImages.load(data, detectImages, 1, b);
            for (ModelRef r : refs) {
                try (Scope model = Scope.open()) {
                    Module m = r.load(r.readSpec(), b);
                    DetectCommand.Setup setup = new DetectCommand.Setup(DetectionStatistic.MAX_PROBABILITY_GRADIENT, 0.05,
                            List.of("pgd", "cw", "boundary", "ensemble"), Norm.L2, epsL2, attacks, 0, true);
                    DetectCommand.Detection d = DetectCommand.detect(m, test, setup, r.checkpoint().toString(), progress);
                    DetectCommand.write(d, out.resolve("detect-" + r.name()), "Detection, " + r.name() + " model", null);
                    reports.add(d.report());
                }
            }
        }
        return detectionTable(reports);
    }

    /** Rows: attacks; per model the detection rate at 5% false positives and the ROC AUC; the evasive attack's undetected success and distance. */
    static String detectionTable(List<DetectCommand.Report> reports) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| %-22s | %-30s | %-30s |%n", "attack (ℓ2)", "undefended: detected / AUC", "TV + Lip: detected / AUC"));
        sb.append("|").append("-".repeat(24)).append("|").append("-".repeat(32)).append("|").append("-".repeat(32)).append("|\n");
        for (int k = 0; k < reports.getFirst().attacks().size(); k++) {
            DetectCommand.AttackDetection a = reports.get(0).attacks().get(k), c = reports.get(1).attacks().get(k);
            sb.append(String.format(Locale.ROOT, "| %-22s | %-30s | %-30s |%n", a.attack(), cell(a), cell(c)));
        }
        sb.append("\nevasive: CW against the detector; \"undetected\" = adversarial and not flagged, of all images attacked; ")
                .append("thresholds ").append(EvalReport.num(reports.get(0).threshold())).append(" / ").append(EvalReport.num(reports.get(1).threshold()))
                .append(". ROC curves: OUT/detect-*/roc.png.\n");
        return sb.toString();
    }

    private static String cell(DetectCommand.AttackDetection a) {
        if (a.adversarials() == 0) return "no adversarials";
        String base = EvalReport.pct(a.detectionRate()) + " / " + String.format(Locale.ROOT, "%.3f", a.auc());
        return a.attack().endsWith("-evasive")
                ? EvalReport.pct(a.undetected()) + " undetected, dist " + EvalReport.num(a.medianDistance())
                : base;
    }

    private static double[] curve(String option, double table, double... more) {
        List<Double> all = new java.util.ArrayList<>(List.of(table));
        for (double m : more) if (m != table) all.add(m);
        return AttackOptions.epsilons(option, all);
    }

    private TrainSettings settings(Double lip, Double tv) {
        return new TrainSettings("fashion-cnn", DataSource.FASHION_MNIST.id, trainSubset, evalImages, epochs, batch, "sgd", lr, 0.9, 0,
                "constant", 0, "cross-entropy", lip, tv, null, "l2", null, false, null, Objectives.TRAIN_MODE);
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
        EvalReport.ModelReport a = report.models().get(0), c = report.models().get(1);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| %-40s | %12s | %20s |%n", "Fashion-MNIST, fashion-cnn", "undefended", "TV(ℓ2) " + TV + " + Lip " + LAMBDA));
        sb.append("|").append("-".repeat(42)).append("|").append("-".repeat(14)).append("|").append("-".repeat(22)).append("|\n");
        row(sb, "clean error", EvalReport.pct(a.cleanError()), EvalReport.pct(c.cleanError()));
        for (String norm : List.of("l2", "linf")) {
            EvalReport.Curve ca = a.errors().get(norm), cc = c.errors().get(norm);
            if (ca == null) continue;
            int j = java.util.Arrays.binarySearch(ca.epsilons(), norm.equals("l2") ? epsL2 : epsLinf);
            row(sb, "error at " + EvalReport.normLabel(norm) + " ε = " + EvalReport.num(ca.epsilons()[j]) + " (worst attack)",
                    EvalReport.pct(ca.error()[j]), EvalReport.pct(cc.error()[j]));
        }
        row(sb, "median ℓ2 distance (smallest of " + a.distanceAttacks().getOrDefault("l2", "—").replace("+", ", ") + ")",
                num(a.medianDistance().get("l2")), num(c.medianDistance().get("l2")));
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
