package dev.lipreg.examples;

import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.data.Dataset;
import dev.lipreg.eval.CertifiedRadius;
import dev.lipreg.eval.DetectionScores;
import dev.lipreg.eval.DetectionStatistic;
import dev.lipreg.eval.Detector;
import dev.lipreg.eval.DistanceReport;
import dev.lipreg.eval.ErrorCurve;
import dev.lipreg.eval.LipschitzUpperBound;
import dev.lipreg.eval.Progress;
import dev.lipreg.eval.Robustness;
import dev.lipreg.eval.Roc;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/** Scores a trained classifier: error under attack, minimal distances, a certificate, and detection of adversarial images. */
public class EvaluateExample {
    static final int BATCH = 100;

    /** Prints the report and returns the ℓ∞ PGD error at each ε. */
    public static double[] evaluate(Module model, Dataset test, Backend backend) {
        model.eval();                                   // batch norm and dropout in inference mode
        try (Scope scope = Scope.open()) {
            Tensor x = test.images(backend), y = test.labels(backend);

            // error under a fixed-budget attack: PGD-ℓ∞, 10 steps, at three budgets
            double[] eps = {0.02, 0.05, 0.1};
            ErrorCurve pgd = Robustness.errorCurve(model, x, y, Pgd.linf(0.1, 10), eps, BATCH, Progress.none());

            // minimal adversarial distances from a minimal-distance attack (an upper bound per image)
            DistanceReport deepFool = Robustness.minimalDistances(model, x, y, DeepFool.of(Norm.L2), Norm.L2, BATCH, Progress.none());

            // a certificate: no ℓ2 perturbation smaller than margin / (√2 · L) changes the prediction
            LipschitzUpperBound.Bound bound = LipschitzUpperBound.of(model, new int[]{test.channels(), test.height(), test.width()});
            CertifiedRadius.Certificates certified = CertifiedRadius.of(model, x, y, bound.value(), BATCH, Progress.none());

            // detection: the gradient norm of the softmax output, calibrated to 5% false positives on clean images
            AttackResult adversarial = Pgd.l2(1.0, 10).run(model, x, y);
            double[] clean = DetectionScores.of(model, x, DetectionStatistic.MAX_PROBABILITY_GRADIENT, BATCH, Progress.none());
            double[] attacked = DetectionScores.of(model, adversarial.adversarial(), DetectionStatistic.MAX_PROBABILITY_GRADIENT,
                    BATCH, Progress.none());
            Detector detector = Detector.calibrate(clean, 0.05);

            System.out.printf(Locale.ROOT, "PGD-linf error at eps %s: %s%n", Arrays.toString(eps), Arrays.toString(pgd.errors()));
            System.out.printf(Locale.ROOT, "median minimal l2 distance (DeepFool): %.3f%n", deepFool.median());
            System.out.printf(Locale.ROOT, "Lipschitz bound %.4g; certified accuracy at l2 0.1: %.3f%n", bound.value(),
                    certified.certifiedAccuracy(0.1));
            System.out.printf(Locale.ROOT, "detection at 5%% false positives: %.3f of PGD-l2 images; ROC AUC %.3f%n",
                    detector.detectionRate(attacked), Roc.of(clean, attacked).auc());
            return pgd.errors();
        }
    }
}
