package dev.lipreg.cli;

import dev.lipreg.eval.EvalReport;
import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.eval.DetectionScores;
import dev.lipreg.eval.DetectorPenalty;
import dev.lipreg.eval.DetectionStatistic;
import dev.lipreg.eval.Detector;
import dev.lipreg.eval.Roc;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lipreg detect}: the paper's label-free detector (§3) — flag an image
 * when its input-gradient statistic exceeds a threshold set at a false-positive
 * rate on clean images — with detection rates per attack and ROC curves.
 */
@Command(name = "detect", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Detect adversarial examples by their input-gradient norm: threshold the statistic at a false-positive rate on clean "
                + "test images, then report the detection rate of each attack's adversarial examples and the ROC curve and AUC.",
                "Writes OUT/detect.json, OUT/detect.md (also printed) and OUT/roc.png."})
final class DetectCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Lipreg parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR|FILE", required = true, description = "A training run directory, a checkpoint file or an ONNX file (MODEL.onnx).")
    Path checkpoint;

    @Mixin
    DataOptions data;

    @Option(names = "--test-subset", paramLabel = "N", defaultValue = "500", description = "Test images (a fixed seeded sample). Default: ${DEFAULT-VALUE}.")
    int testSubset;

    @Option(names = "--attacks", paramLabel = "NAME", split = ",", defaultValue = "pgd,deepfool",
            description = "Attacks whose adversarial examples are to be detected (all but bisect). Default: ${DEFAULT-VALUE}.")
    List<String> attacks;

    @Option(names = "--norm", paramLabel = "NORM", defaultValue = "l2", description = "Threat norm of the attacks: l2 or linf. Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--eps", paramLabel = "ε", defaultValue = "1.0", description = "Budget of the fixed-budget attacks. Default: ${DEFAULT-VALUE}.")
    double eps;

    @Option(names = "--fpr", paramLabel = "RATE", defaultValue = "0.05",
            description = "False-positive rate on clean images that sets the threshold (paper: 5%%). Default: ${DEFAULT-VALUE}.")
    double fpr;

    @Option(names = "--statistic", paramLabel = "NAME", defaultValue = "probability",
            description = "probability: max_k ‖∇ₓ p_k(x)‖₂, p = softmax of the logits (the paper's); loss: ‖∇ₓ ℓ(x, predicted label)‖₂ "
                    + "(one backward pass, similar); max-logit: max_k ‖∇ₓ f_k(x)‖₂ on the raw logits (near chance for ReLU networks). "
                    + "Default: ${DEFAULT-VALUE}.")
    String statistic;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the test sample and the attacks. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    AttackOptions attackOptions;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory of the report and the ROC plot.")
    Path out;

    @Option(names = "--evasive", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Also run the detector-aware CW (ℓ2): CW whose objective penalizes the statistic above the threshold (double backprop); "
                    + "reports how often it succeeds undetected and at what distance. Default: off.")
    boolean evasive;

    /**
     * One attack's adversarial examples against the detector.
     *
     * @param undetected fraction of the attacked images turned adversarial and not flagged (the attacker's real success)
     */
    record AttackDetection(String attack, int adversarials, int attacked, double medianDistance, double detectionRate, double auc, double undetected) {
    }

    record Report(String checkpoint, String dataset, int images, String statistic, String norm, double targetFalsePositiveRate, double threshold,
                  double falsePositiveRate, double medianCleanScore, List<AttackDetection> attacks) {
    }

    /** A report and the ROC curves ({fpr, tpr} per attack caption) behind it. */
    record Detection(Report report, Map<String, double[][]> rocs) {
    }

    /** What one detection run needs besides the model and the images. */
    record Setup(DetectionStatistic statistic, double fpr, List<String> attacks, Norm norm, double eps, AttackOptions options, long seed, boolean evasive) {
    }

    @Override
    public Integer call() {
        List<String> names = AttackOptions.names("--attacks", attacks);
        if (names.contains("bisect")) throw BadInputException.of("--attacks", "attacks other than bisect", attacks);
        Norm n = AttackOptions.norm("--norm", norm);
        for (String a : names) if (!AttackOptions.supports(a, n)) throw BadInputException.of("--attacks", "attacks that support --norm " + n.label(), "'" + a + "'");
        AttackOptions.epsilons("--eps", List.of(eps));
        if (!(fpr > 0 && fpr < 1)) throw BadInputException.of("--fpr", "a rate in (0, 1)", fpr);
        DetectionStatistic stat = DetectionStatistic.byLabel(statistic);
        if (stat == null) throw BadInputException.of("--statistic", "probability, loss or max-logit", "'" + statistic + "'");
        attackOptions.validate();
        ModelRef ref = ModelRef.resolve("--checkpoint", checkpoint);
        Backend b = backend.resolve();
        Progress.Factory progress = parent.progress(spec);
        try (Scope scope = Scope.open()) {
            TestImages test = TestImages.load(data, testSubset, seed, b);
            Module model = ref.open("--checkpoint", test.chw(), test.data().numClasses(), b).module();
            Detection d = detect(model, test, new Setup(stat, fpr, names, n, eps, attackOptions, seed, evasive), ref.checkpoint().toString(), progress);
            write(d, out, "Detection by the " + stat.label() + " input-gradient norm", spec.commandLine().getOut());
        }
        return Lipreg.OK;
    }

    /** Calibrates the detector on the clean images, then detects each attack's adversarial images (and the evasive CW's, if asked). */
    static Detection detect(Module model, TestImages test, Setup s, String checkpoint, Progress.Factory progress) {
        int batch = s.options().batch;
        Backend b = test.images().backend();
        double[] clean = scores(model, test.images(), s.statistic(), batch, progress, "clean " + s.statistic().label());
        Detector detector = Detector.calibrate(clean, s.fpr());
        List<AttackDetection> results = new ArrayList<>();
        Map<String, double[][]> rocs = new LinkedHashMap<>();
        List<AttackRunner.Outcome> outcomes = new ArrayList<>();
        for (String a : s.attacks()) outcomes.add(new AttackRunner(s.options(), a, s.norm(), s.eps(), s.seed()).run(model, test, progress));
        if (s.evasive()) {
            CarliniWagnerL2 base = CarliniWagnerL2.defaults().withSearch(3, s.options().cwSteps);
            outcomes.add(AttackRunner.run(DetectorPenalty.evasiveCw(base, detector, s.statistic(), 10), batch, model, test, progress));
        }
        for (AttackRunner.Outcome o : outcomes) {
            Tensor adversarial = selectAdversarial(o, test, b);
            if (adversarial == null) {
                results.add(new AttackDetection(o.attack(), 0, test.count(), Double.NaN, Double.NaN, Double.NaN, 0));
                continue;
            }
            double[] sc = scores(model, adversarial, s.statistic(), batch, progress, o.attack() + " " + s.statistic().label());
            Roc roc = Roc.of(clean, sc);
            rocs.put(String.format(Locale.ROOT, "%s (AUC %.3f)", o.attack(), roc.auc()), new double[][]{roc.falsePositiveRates(), roc.truePositiveRates()});
            double rate = detector.detectionRate(sc);
            Norm distanceNorm = o.attack().endsWith("-evasive") ? Norm.L2 : s.norm();
            results.add(new AttackDetection(o.attack(), sc.length, test.count(), o.medianSuccessDistance(distanceNorm), rate, roc.auc(),
                    sc.length * (1 - rate) / test.count()));
        }
        Report report = new Report(checkpoint, test.data().name(), test.count(), s.statistic().label(), s.norm().label(), s.fpr(), detector.threshold(),
                detector.falsePositiveRate(), AttackRunner.median(clean), results);
        return new Detection(report, rocs);
    }

    private static double[] scores(Module model, Tensor images, DetectionStatistic stat, int batch, Progress.Factory progress, String task) {
        return progress.track(task, images.dim(0), p -> DetectionScores.of(model, images, stat, batch, p));
    }

    /** The adversarial examples proper: attacked images that were classified correctly and are not any more. */
    private static Tensor selectAdversarial(AttackRunner.Outcome o, TestImages test, Backend b) {
        int size = test.data().imageSize(), n = 0;
        float[] picked = new float[o.adversarial().length];
        for (int i = 0; i < o.success().length; i++) {
            if (o.success()[i] && o.l2()[i] > 0) System.arraycopy(o.adversarial(), i * size, picked, n++ * size, size);
        }
        if (n == 0) return null;
        int[] chw = test.chw();
        return b.fromArray(Arrays.copyOf(picked, n * size), Shape.of(n, chw[0], chw[1], chw[2]));
    }

    /** Writes detect.json, detect.md and roc.png into {@code dir} and prints the table (stdout null: silently); returns the Markdown. */
    static String write(Detection d, Path dir, String plotTitle, PrintWriter stdout) {
        Report r = d.report();
        Json.writeFile(dir.resolve("detect.json"), r);
        String md = markdown(r);
        AtomicWrite.string(dir.resolve("detect.md"), md);
        Path png = dir.resolve("roc.png");
        Plots.roc(png, plotTitle, d.rocs());
        if (stdout == null) return md;
        stdout.print(md);
        stdout.println("report: " + dir.resolve("detect.json") + ", " + dir.resolve("detect.md"));
        stdout.println("plot:   " + png);
        stdout.flush();
        return md;
    }

    static String markdown(Report r) {
        StringBuilder md = new StringBuilder();
        md.append("| attack | adversarial examples | median ").append(EvalReport.normLabel(r.norm())).append(" dist | detected at ")
                .append(EvalReport.pct(r.falsePositiveRate())).append(" clean FPR | ROC AUC | adversarial and undetected |\n|---|---|---|---|---|---|\n");
        for (AttackDetection a : r.attacks()) {
            md.append("| ").append(a.attack()).append(" | ").append(a.adversarials()).append('/').append(a.attacked()).append(" | ")
                    .append(EvalReport.num(a.medianDistance())).append(" | ").append(Double.isNaN(a.detectionRate()) ? "—" : EvalReport.pct(a.detectionRate()))
                    .append(" | ").append(Double.isNaN(a.auc()) ? "—" : String.format(Locale.ROOT, "%.3f", a.auc()))
                    .append(" | ").append(EvalReport.pct(a.undetected())).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%nStatistic %s on %d test images of %s; threshold %.4g (clean median %.4g).%n", r.statistic(), r.images(),
                r.dataset(), r.threshold(), r.medianCleanScore()));
        return md.toString();
    }
}
