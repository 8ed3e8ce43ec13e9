package dev.lipreg.cli;

import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.tensor.Norm;
import dev.lipreg.eval.CertifiedRadius;
import dev.lipreg.eval.DistanceReport;
import dev.lipreg.eval.GradientNorms;
import dev.lipreg.eval.LipschitzUpperBound;
import dev.lipreg.eval.Robustness;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.nn.Module;
import dev.lipreg.regularizers.CleanMetrics;
import dev.lipreg.tensor.Backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The robustness evaluation of one model on fixed test images (docs/method.md §2):
 * clean error, error under each attack at each ε, per-image minimal distances
 * and their median, attack times, input-gradient norms, and certified
 * accuracy from a Lipschitz upper bound. Used by {@code eval} and {@code demo}.
 */
final class Evaluator {

    /**
     * What to measure. An empty ε list skips that norm; attacks that do not
     * support a norm are skipped for it. {@code certify}: certified accuracy from
     * the sound Lipschitz bound.
     */
    record Settings(double[] epsL2, double[] epsLinf, List<String> attacksL2, List<String> attacksLinf, boolean certify,
                    AttackOptions attack, long seed) {
        double[] epsilons(Norm n) {
            return n == Norm.L2 ? epsL2 : epsLinf;
        }

        List<String> attacks(Norm n) {
            return AttackOptions.expand(n == Norm.L2 ? attacksL2 : attacksLinf).stream().filter(a -> AttackOptions.supports(a, n)).toList();
        }

        /** Every attack used, for report captions. */
        List<String> allAttacks() {
            return AttackOptions.expand(java.util.stream.Stream.concat(attacksL2.stream(), attacksLinf.stream()).distinct().toList());
        }
    }

    /** Error against ε in one norm: per attack, and the worst case per image over all attacks (an image counts once if any attack breaks it). */
    record Curve(double[] epsilons, Map<String, double[]> byAttack, double[] error) {
    }

    record Gradients(double maxL2, double meanL2, double medianL2, double maxL1, double meanL1) {
    }

    /**
     * @param lipschitzBound sound upper bound on the ℓ2 Lipschitz constant of the logits
     * @param method         how it was obtained ({@link LipschitzUpperBound.Bound#DESCRIPTION})
     */
    record Certification(double lipschitzBound, String method, double[] epsilons, double[] accuracy, double medianRadius) {
    }

    /** Everything measured on one model. Distances and errors are keyed by norm ("l2", "linf"). */
    record ModelReport(String name, String checkpoint, String model, int images, double cleanError, Map<String, Curve> errors,
                       Map<String, Double> medianDistance, Map<String, String> distanceAttacks, Map<String, Double> attackSeconds,
                       Gradients gradients, Certification certification, double seconds) {
    }

    /** The report and the per-image values the plots need. */
    record Result(ModelReport report, double[] gradL2) {
    }

    private final Settings settings;
    private final Progress.Factory progress;

    Evaluator(Settings settings, Progress.Factory progress) {
        this.settings = settings;
        this.progress = progress;
    }

    Result evaluate(String name, String checkpoint, ModelSpec spec, Module model, TestImages test, Backend backend) {
        return evaluate(name, checkpoint, spec.name(), spec.input(), model, test, backend);
    }

    /** As above for any model taking images of shape {@code input} [C,H,W] (e.g. an imported ONNX graph). */
    Result evaluate(String name, String checkpoint, String modelName, int[] input, Module model, TestImages test, Backend backend) {
        long start = System.nanoTime();
        int batch = settings.attack().batch, n = test.count();
        double clean = 1 - CleanMetrics.of(model, Loss.crossEntropy(), test.data(), backend, batch).accuracy();
        Map<String, Curve> errors = new LinkedHashMap<>();
        Map<String, Double> median = new LinkedHashMap<>(), seconds = new LinkedHashMap<>();
        Map<String, String> distanceAttacks = new LinkedHashMap<>();
        for (Norm norm : List.of(Norm.L2, Norm.LINF)) {  // the threat models the attacks implement
            double[] eps = settings.epsilons(norm);
            if (eps.length == 0) continue;
            Map<String, double[]> byAttack = new LinkedHashMap<>();
            List<DistanceReport> distances = new ArrayList<>();
            boolean[][] anyBroken = new boolean[eps.length][n];
            for (String a : settings.attacks(norm)) {
                if (AttackOptions.isFixedBudget(a)) {
                    FixedBudgetAttack attack = settings.attack().fixedBudget(a, norm, eps[0], settings.seed());
                    Robustness.Broken b = track(name + " " + attack.name(), (long) n * eps.length,
                            p -> Robustness.broken(model, test.images(), test.labels(), attack, eps, batch, p));
                    byAttack.put(attack.name(), b.curve().errors());
                    seconds.put(attack.name(), b.seconds());
                    for (int j = 0; j < eps.length; j++) for (int i = 0; i < n; i++) anyBroken[j][i] |= b.broken()[j][i];
                } else {
                    DistanceReport d = a.equals("bisect") ? bisect(name, model, test, norm, eps[eps.length - 1] * 2) : distances(name, model, test, a, norm);
                    distances.add(d);
                    byAttack.put(d.attack(), d.curve(eps).errors());
                    seconds.put(d.attack(), d.seconds());
                    for (int j = 0; j < eps.length; j++) for (int i = 0; i < n; i++) anyBroken[j][i] |= d.distances()[i] <= eps[j];
                }
            }
            if (byAttack.isEmpty()) continue;
            double[] worst = new double[eps.length];
            for (int j = 0; j < worst.length; j++) {
                int c = 0;
                for (boolean b : anyBroken[j]) c += b ? 1 : 0;
                worst[j] = (double) c / n;
            }
            errors.put(norm.label(), new Curve(eps, byAttack, worst));
            if (!distances.isEmpty()) {
                DistanceReport best = DistanceReport.minimum(distances);
                median.put(norm.label(), best.median());
                distanceAttacks.put(norm.label(), best.attack());
            }
        }
        GradientNorms.Report g = track(name + " ‖∇ₓℓ‖", n, p -> GradientNorms.of(model, test.images(), test.labels(), Loss.crossEntropy(), batch, p));
        Gradients grads = new Gradients(g.maxL2(), g.meanL2(), median(g.l2()), g.maxL1(), g.meanL1());
        Certification cert = settings.certify() ? certify(name, model, input, test, batch) : null;
        ModelReport r = new ModelReport(name, checkpoint, modelName, n, clean, errors, median, distanceAttacks, seconds, grads, cert,
                (System.nanoTime() - start) / 1e9);
        return new Result(r, g.l2());
    }

    /** Per-image distances found by a minimal-distance attack. */
    private DistanceReport distances(String model, Module m, TestImages test, String a, Norm norm) {
        Attack attack = settings.attack().minimal(a, norm, settings.seed());
        return track(model + " " + attack.name(), test.count(),
                p -> Robustness.minimalDistances(m, test.images(), test.labels(), attack, norm, settings.attack().batch, p));
    }

    /** Per-image distances by bisection over ε with PGD, searching up to {@code max}. */
    private DistanceReport bisect(String model, Module m, TestImages test, Norm norm, double max) {
        FixedBudgetAttack pgd = settings.attack().fixedBudget("bisect", norm, max, settings.seed());
        return track(model + " " + pgd.name() + "-bisection", test.count(), p -> Robustness.bisection(m, test.images(), test.labels(), pgd, max,
                settings.attack().bisectionSteps, settings.attack().batch, p));
    }

    private Certification certify(String name, Module model, int[] input, TestImages test, int batch) {
        // An imported graph is bounded through its LipReg layers (same function, same weights).
        Module layers = model instanceof OnnxModel onnx ? nativeLayers(onnx) : model;
        LipschitzUpperBound.Bound bound = LipschitzUpperBound.of(layers, input);
        CertifiedRadius.Certificates c = track(name + " certify", test.count(),
                p -> CertifiedRadius.of(model, test.images(), test.labels(), bound.value(), batch, p));
        return new Certification(bound.value(), LipschitzUpperBound.Bound.DESCRIPTION, settings.epsL2(), c.certifiedAccuracy(settings.epsL2()), c.medianRadius());
    }

    private static Module nativeLayers(OnnxModel m) {
        try {
            return m.toNative().build(m.parameters().values().iterator().next().backend());
        } catch (OnnxException e) {
            throw new BadInputException("--certify: no Lipschitz bound for " + m.name() + ": " + e.getMessage()
                    + "; pass --no-certify to evaluate it without certification", e);
        }
    }

    /** Runs one measurement under a progress display of {@code total} images. */
    private <T> T track(String task, long total, Function<dev.lipreg.eval.Progress, T> work) {
        try (Progress p = progress.start(task, total, "img")) {
            return work.apply((done, all) -> p.stepTo(done, ""));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
