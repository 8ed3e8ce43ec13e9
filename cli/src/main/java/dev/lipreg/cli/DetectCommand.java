package dev.lipreg.cli;

import dev.lipreg.tensor.Norm;
import dev.lipreg.eval.DetectionScores;
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

    @Option(names = "--statistic", paramLabel = "NAME", defaultValue = "max-logit",
            description = "max-logit: max_k ‖∇ₓ f_k(x)‖₂ (the paper's); loss: ‖∇ₓ ℓ(x, predicted label)‖₂ (one backward pass). Default: ${DEFAULT-VALUE}.")
    String statistic;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the test sample and the attacks. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    AttackOptions attackOptions;

    @Mixin
    BackendOption backend;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory of the report and the ROC plot.")
    Path out;

    /** One attack's adversarial examples against the detector. */
    record AttackDetection(String attack, int adversarials, int attacked, double medianDistance, double detectionRate, double auc) {
    }

    record Report(String checkpoint, String dataset, int images, String statistic, String norm, double targetFalsePositiveRate, double threshold,
                  double falsePositiveRate, double medianCleanScore, List<AttackDetection> attacks) {
    }

    @Override
    public Integer call() {
        List<String> names = AttackOptions.names("--attacks", attacks);
        if (names.contains("bisect")) throw BadInputException.of("--attacks", "attacks other than bisect", attacks);
        Norm n = AttackOptions.norm("--norm", norm);
        for (String a : names) if (!AttackOptions.supports(a, n)) throw BadInputException.of("--attacks", "attacks that support --norm " + n.label(), "'" + a + "'");
        AttackOptions.epsilons("--eps", List.of(eps));
        if (!(fpr > 0 && fpr < 1)) throw BadInputException.of("--fpr", "a rate in (0, 1)", fpr);
        DetectionStatistic stat = switch (statistic.toLowerCase(Locale.ROOT)) {
            case "max-logit" -> DetectionStatistic.MAX_LOGIT_GRADIENT;
            case "loss" -> DetectionStatistic.PREDICTED_LOSS_GRADIENT;
            default -> throw BadInputException.of("--statistic", "max-logit or loss", "'" + statistic + "'");
        };
        attackOptions.validate();
        ModelRef ref = ModelRef.resolve("--checkpoint", checkpoint);
        Backend b = backend.resolve();
        Progress.Factory progress = parent.progress(spec);
        int batch = attackOptions.batch;
        try (Scope scope = Scope.open()) {
            TestImages test = TestImages.load(data, testSubset, seed, b);
            Module model = ref.open("--checkpoint", test.chw(), test.data().numClasses(), b).module();
            double[] clean = scores(model, test.images(), stat, batch, progress, "clean " + statistic);
            Detector detector = Detector.calibrate(clean, fpr);
            List<AttackDetection> results = new ArrayList<>();
            Map<String, double[][]> rocs = new LinkedHashMap<>();
            for (String a : names) {
                AttackRunner.Outcome o = new AttackRunner(attackOptions, a, n, eps, seed).run(model, test, progress);
                Tensor adversarial = selectAdversarial(o, test, b);
                if (adversarial == null) {
                    results.add(new AttackDetection(o.attack(), 0, test.count(), Double.NaN, Double.NaN, Double.NaN));
                    continue;
                }
                double[] s = scores(model, adversarial, stat, batch, progress, o.attack() + " " + statistic);
                Roc roc = Roc.of(clean, s);
                rocs.put(String.format(Locale.ROOT, "%s (AUC %.3f)", o.attack(), roc.auc()), new double[][]{roc.falsePositiveRates(), roc.truePositiveRates()});
                results.add(new AttackDetection(o.attack(), s.length, test.count(), o.medianSuccessDistance(n), detector.detectionRate(s), roc.auc()));
            }
            Report report = new Report(ref.checkpoint().toString(), test.data().name(), test.count(), statistic, n.label(), fpr, detector.threshold(),
                    detector.falsePositiveRate(), Evaluator.median(clean), results);
            write(report, rocs, spec.commandLine().getOut());
        }
        return Lipreg.OK;
    }

    private static double[] scores(Module model, Tensor images, DetectionStatistic stat, int batch, Progress.Factory progress, String task) {
        try (Progress p = progress.start(task, images.dim(0), "img")) {
            return DetectionScores.of(model, images, stat, batch, (done, total) -> p.stepTo(done, ""));
        }
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

    private void write(Report r, Map<String, double[][]> rocs, PrintWriter stdout) {
        Json.writeFile(out.resolve("detect.json"), r);
        StringBuilder md = new StringBuilder();
        md.append("| attack | adversarial examples | median ").append(EvalReport.normLabel(r.norm())).append(" dist | detected at ")
                .append(EvalReport.pct(r.falsePositiveRate())).append(" clean FPR | ROC AUC |\n|---|---|---|---|---|\n");
        for (AttackDetection a : r.attacks()) {
            md.append("| ").append(a.attack()).append(" | ").append(a.adversarials()).append('/').append(a.attacked()).append(" | ")
                    .append(EvalReport.num(a.medianDistance())).append(" | ").append(Double.isNaN(a.detectionRate()) ? "—" : EvalReport.pct(a.detectionRate()))
                    .append(" | ").append(Double.isNaN(a.auc()) ? "—" : String.format(Locale.ROOT, "%.3f", a.auc())).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%nStatistic %s on %d test images of %s; threshold %.4g (clean median %.4g).%n", r.statistic(), r.images(),
                r.dataset(), r.threshold(), r.medianCleanScore()));
        AtomicWrite.string(out.resolve("detect.md"), md.toString());
        Path png = out.resolve("roc.png");
        Plots.roc(png, "Detection by " + r.statistic() + " input-gradient norm", rocs);
        stdout.print(md);
        stdout.println("report: " + out.resolve("detect.json") + ", " + out.resolve("detect.md"));
        stdout.println("plot:   " + png);
        stdout.flush();
    }
}
