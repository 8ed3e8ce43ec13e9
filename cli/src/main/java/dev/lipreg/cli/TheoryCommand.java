package dev.lipreg.cli;

import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.data.Dataset;
import dev.lipreg.eval.DistanceCheck;
import dev.lipreg.eval.DistanceReport;
import dev.lipreg.eval.FirstOrderDistance;
import dev.lipreg.eval.LossBound;
import dev.lipreg.eval.Robustness;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.io.SafeTensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lipreg theory}: the paper's checks on an undefended and a regularized
 * training run (docs/evaluation.md, "The paper's checks"): the bound
 * Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀) on training images, and each test image's
 * minimal adversarial distance against its first-order estimate.
 */
@Command(name = "theory", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Check the paper's results on two training runs: Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀) on training images (R: the penalties "
                + "the regularized run was trained with, evaluated on both models), and per test image the minimal adversarial distance "
                + "(smallest of PGD bisection, CW and DeepFool) against the first-order estimate margin / ‖∇ₓ margin‖, with Pearson and "
                + "Spearman correlations.",
                "--data defaults to the dataset the runs were trained on. Writes OUT/theory.json, OUT/theory.md (also printed) and "
                        + "OUT/scatter-undefended.png, OUT/scatter-regularized.png."})
final class TheoryCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--undefended", paramLabel = "DIR", required = true, description = "Training run of f₀, trained without penalties.")
    Path undefended;

    @Option(names = "--regularized", paramLabel = "DIR", required = true,
            description = "Training run of f_λ, trained with gradient penalties (its stored settings give λ, the penalties and the loss).")
    Path regularized;

    /** {@code --data} defaults to the dataset the runs were trained on. */
    @Mixin
    DataOptions data;

    @Option(names = "--train-subset", paramLabel = "N", defaultValue = "1000",
            description = "Training images of the loss bound: a fixed seeded sample of the regularized run's training set (0 = all of it). "
                    + "Default: ${DEFAULT-VALUE}.")
    int trainSubset;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "200",
            description = "Test images of the distance check (the sample `lipreg eval` takes with the same --seed). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--norm", paramLabel = "NORM", defaultValue = "l2",
            description = "Threat norm of the distances: l2 (PGD bisection, CW, DeepFool) or linf (PGD bisection, DeepFool); the gradient "
                    + "is measured in its dual. Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--max-distance", paramLabel = "ε", description = "Largest distance PGD bisection searches. Default: 4 (l2), 0.2 (linf).")
    Double maxDistance;

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "10", description = "PGD steps per bisection budget. Default: ${DEFAULT-VALUE}.")
    int pgdSteps;

    @Option(names = "--bisection-steps", paramLabel = "N", defaultValue = "8",
            description = "Halvings of ε per image (resolution max distance / 2^N). Default: ${DEFAULT-VALUE}.")
    int bisectionSteps;

    @Option(names = "--cw-steps", paramLabel = "N", defaultValue = "50",
            description = "Adam steps per binary-search step of CW (5 binary steps). Default: ${DEFAULT-VALUE}.")
    int cwSteps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "250", description = "Images per batch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the samples and attacks. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory of the report and plots.")
    Path out;

    /** The settings of the checks, validated. */
    record Settings(Norm norm, double maxDistance, int pgdSteps, int bisectionSteps, int cwSteps, int batch, long seed) {
        Settings {
            positive("--pgd-steps", pgdSteps);
            positive("--bisection-steps", bisectionSteps);
            positive("--cw-steps", cwSteps);
            positive("--batch", batch);
            if (!(maxDistance > 0) || maxDistance > AttackOptions.MAX_EPSILON) {
                throw BadInputException.of("--max-distance", "a distance in (0, " + (int) AttackOptions.MAX_EPSILON + "]", maxDistance);
            }
        }

        private static void positive(String option, int v) {
            if (v < 1) throw BadInputException.of(option, "a count >= 1", v);
        }

        /** What the report's distances are the smallest of. */
        String attackNames() {
            return norm == Norm.L2 ? "PGD bisection, CW and DeepFool" : "PGD bisection and DeepFool";
        }
    }

    /** A training run and what its checkpoint says it was trained with. */
    record Run(String role, ModelRef ref, TrainSettings settings) {
        static Run read(String option, String role, Path path) {
            ModelRef ref = ModelRef.resolve(option, path);
            if (ref.isOnnx()) throw BadInputException.of(option, "a training run directory (its settings name the penalties)", path + " (an ONNX file)");
            String json = SafeTensors.readHeader(ref.checkpoint()).metadata().get("settings");
            if (json == null) {
                throw BadInputException.of(option, "a checkpoint written by lipreg train (its metadata holds the run's settings)",
                        ref.checkpoint() + " (no settings in its metadata)");
            }
            return new Run(role, ref, TrainSettings.fromJson(json, ref.checkpoint().toString()));
        }

        boolean penalized() {
            return settings.lip() != null || settings.tv() != null || settings.squared() != null;
        }

        String penalties() {
            return settings.objective().describe();
        }
    }

    @Override
    public Integer call() {
        if (out.toString().isBlank() || java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
            throw BadInputException.of("--out", "a directory for the report", "'" + out + "'" + (out.toString().isBlank() ? "" : " (an existing file)"));
        }
        Norm threat = AttackOptions.norm("--norm", norm);
        Settings s = new Settings(threat, maxDistance != null ? maxDistance : threat == Norm.L2 ? 4 : 0.2, pgdSteps, bisectionSteps, cwSteps,
                batch, seed);
        if (testSubset < 2) throw BadInputException.of("--test-subset", "at least 2 images (a correlation needs pairs)", testSubset);
        if (trainSubset < 0) throw BadInputException.of("--train-subset", "a count >= 0 (0 = all)", trainSubset);
        Run f0 = Run.read("--undefended", "undefended", undefended), fl = Run.read("--regularized", "regularized", regularized);
        if (!spec.commandLine().getParseResult().hasMatchedOption("--data")) data.data = fl.settings().data(); // the runs say which
        run(f0, fl, s, data, trainSubset, testSubset, backend.resolve(), parent.progress(spec), out, spec.commandLine().getOut());
        return Lipreg.OK;
    }

    /** Checks the runs, measures, writes the report files into {@code out} and prints the summary and paths. Used by {@code demo} too. */
    static TheoryReport run(Run f0, Run fl, Settings s, DataOptions data, int trainSubset, int testSubset, Backend b, Progress.Factory progress,
                            Path out, PrintWriter stdout) {
        List<String> notes = check(f0, fl, data);
        TheoryReport report = measure(f0, fl, s, data, trainSubset, testSubset, notes, b, progress);
        TheoryReport.Files files = report.write(out);
        stdout.print(report.markdown());
        stdout.println();
        stdout.println("report: " + files.json() + ", " + files.markdown());
        stdout.println("plots:  " + String.join(", ", files.plots().stream().map(Path::toString).toList()));
        stdout.flush();
        return report;
    }

    /** Refuses pairs of runs the bound does not speak about; returns notes on differences it tolerates. */
    private static List<String> check(Run f0, Run fl, DataOptions data) {
        if (f0.penalized()) {
            throw BadInputException.of("--undefended", "a run trained without penalties (f₀ minimizes the loss alone)",
                    f0.ref().checkpoint() + " (trained with " + f0.penalties() + ")");
        }
        if (!fl.penalized()) {
            throw BadInputException.of("--regularized", "a run trained with --lip, --tv or --squared (R is its penalty)",
                    fl.ref().checkpoint() + " (trained without penalties)");
        }
        for (Run r : List.of(f0, fl)) {
            if (r.settings().adv() != null) {
                throw BadInputException.of("--" + r.role(), "a run without adversarial training (the bound is about penalties on the clean loss)",
                        r.ref().checkpoint() + " (trained with --adv " + r.settings().adv() + ")");
            }
            if (DataSource.parse("--data", r.settings().data()) != data.source()) {
                throw BadInputException.of("--data", "the dataset the runs were trained on", "'" + data.data + "' (" + r.ref().checkpoint()
                        + " was trained on " + r.settings().data() + ")");
            }
        }
        if (!f0.settings().loss().equals(fl.settings().loss())) {
            throw BadInputException.of("--regularized", "a run trained with the undefended run's loss (" + f0.settings().loss() + ")",
                    fl.settings().loss());
        }
        List<String> notes = new ArrayList<>();
        if (f0.settings().trainSubset() != fl.settings().trainSubset()
                || f0.settings().trainSubset() != 0 && f0.settings().seed() != fl.settings().seed()) {
            notes.add("the runs were trained on different samples of the training set; the bound is measured on the regularized run's");
        }
        return notes;
    }

    private static TheoryReport measure(Run f0, Run fl, Settings s, DataOptions data, int trainSubset, int testSubset, List<String> notes,
                                        Backend b, Progress.Factory progress) {
        try (Scope scope = Scope.open()) {
            Dataset train = DataOptions.subset(TrainingRun.Data.load(fl.settings(), data.dir).train(), trainSubset, s.seed(), "--train-subset");
            TestImages trainImages = TestImages.of(train, b);
            TestImages test = TestImages.load(data, testSubset, s.seed(), b);
            ModelRef.Loaded m0 = f0.ref().open("--undefended", test.chw(), test.data().numClasses(), b);
            ModelRef.Loaded ml = fl.ref().open("--regularized", test.chw(), test.data().numClasses(), b);
            RobustObjective objective = fl.settings().objective();
            LossBound bound = progress.track("loss bound", 2L * train.count(),
                    p -> LossBound.measure(m0.module(), ml.module(), objective, trainImages.images(), trainImages.labels(), s.batch(), p));
            List<TheoryReport.Model> models = new ArrayList<>();
            for (var run : List.of(java.util.Map.entry(f0, m0), java.util.Map.entry(fl, ml))) {
                DistanceCheck c = distances(run.getKey().role(), run.getValue(), test, s, progress);
                models.add(new TheoryReport.Model(run.getKey().role(), run.getKey().ref().checkpoint().toString(), run.getKey().penalties(), c));
            }
            return TheoryReport.of(data.data, train.count(), test.count(), s.attackNames(), bound, models, notes);
        }
    }

    /** Per test image: the smallest distance of the strong attacks, and the first-order estimate. */
    private static DistanceCheck distances(String role, ModelRef.Loaded m, TestImages test, Settings s, Progress.Factory progress) {
        int n = test.count();
        List<DistanceReport> found = new ArrayList<>();
        Pgd pgd = (s.norm() == Norm.L2 ? Pgd.l2(s.maxDistance(), s.pgdSteps()) : Pgd.linf(s.maxDistance(), s.pgdSteps())).withSeed(s.seed());
        found.add(progress.track(role + " " + pgd.name() + "-bisection", n, p -> Robustness.bisection(m.module(), test.images(), test.labels(),
                pgd, s.maxDistance(), s.bisectionSteps(), s.batch(), p)));
        if (s.norm() == Norm.L2) {
            CarliniWagnerL2 cw = CarliniWagnerL2.defaults().withSearch(5, s.cwSteps());
            found.add(progress.track(role + " " + cw.name(), n,
                    p -> Robustness.minimalDistances(m.module(), test.images(), test.labels(), cw, s.norm(), s.batch(), p)));
        }
        DeepFool deepFool = DeepFool.of(s.norm());
        found.add(progress.track(role + " " + deepFool.name(), n,
                p -> Robustness.minimalDistances(m.module(), test.images(), test.labels(), deepFool, s.norm(), s.batch(), p)));
        FirstOrderDistance.Estimates e = progress.track(role + " first-order estimates", n,
                p -> FirstOrderDistance.of(m.module(), test.images(), test.labels(), s.norm(), s.batch(), p));
        return DistanceCheck.of(DistanceReport.minimum(found), e);
    }

}
