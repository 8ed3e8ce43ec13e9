package dev.lipreg.eval;

import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.regularizers.TrainingListener;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's detector on a demo-style model (fashion-cnn trained on 4,000 real
 * Fashion-MNIST images): the probability-gradient statistic (the default)
 * separates PGD and DeepFool adversarial images from clean ones far from
 * chance, and far better than the raw-logit statistic.
 */
class RealDataDetectionTest {
    static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
    static final int TEST = 150;

    @Test
    void probabilityGradientDetectsAdversarialImages() throws IOException {
        Assumptions.assumeTrue(Files.exists(DIR.resolve("train-images-idx3-ubyte.gz")),
                "real Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Dataset train = FashionMnist.load(DIR, Split.TRAIN).sample(4000, 31);
        Dataset test = FashionMnist.load(DIR, Split.TEST).sample(TEST, 32);
        Backend backend = Backends.auto();
        try (Scope s = Scope.open()) {
            Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(backend, 5));
            new Trainer(net, RobustObjective.plain(Loss.crossEntropy()), new Sgd(net.parameters(), 0.05, 0.9, 0), LrSchedule.constant(0.05), backend,
                    TrainerConfig.of(2, 64, 33)).fit(train, test, 0, TrainingListener.NONE);
            net.eval();
            Tensor x = backend.fromArray(test.images(), Shape.of(TEST, 1, 28, 28));
            Tensor y = Tensor.ofLabels(backend, test.labels());
            int[] predicted = PerImage.argmax(PerImage.logits(net, x));
            Tensor pgd = adversarials(Pgd.l2(1.0, 10).run(net, x, y), predicted, test.labels(), backend);
            Tensor deepFool = adversarials(DeepFool.of(Norm.L2).run(net, x, y), predicted, test.labels(), backend);
            Map<DetectionStatistic, double[]> auc = new EnumMap<>(DetectionStatistic.class);
            for (DetectionStatistic stat : DetectionStatistic.values()) {
                double[] clean = DetectionScores.of(net, x, stat, 100, null);
                auc.put(stat, new double[]{Roc.of(clean, DetectionScores.of(net, pgd, stat, 100, null)).auc(),
                        Roc.of(clean, DetectionScores.of(net, deepFool, stat, 100, null)).auc()});
                System.out.printf("%-26s ROC AUC: PGD-l2 eps=1 (%d images) %.3f, DeepFool (%d images) %.3f%n", stat, pgd.dim(0), auc.get(stat)[0],
                        deepFool.dim(0), auc.get(stat)[1]);
            }
            double[] prob = auc.get(DetectionStatistic.MAX_PROBABILITY_GRADIENT), logit = auc.get(DetectionStatistic.MAX_LOGIT_GRADIENT);
            for (int a = 0; a < 2; a++) {
                assertTrue(prob[a] >= 0.8, "probability statistic AUC " + prob[a] + " (attack " + a + ")");
                assertTrue(prob[a] >= logit[a] + 0.1, "probability AUC " + prob[a] + " vs logit AUC " + logit[a] + " (attack " + a + ")");
                assertTrue(auc.get(DetectionStatistic.PREDICTED_LOSS_GRADIENT)[a] >= 0.8, "loss statistic AUC (attack " + a + ")");
            }
        }
    }

    /** The adversarial examples proper: images classified correctly before and wrongly after the attack. */
    static Tensor adversarials(AttackResult r, int[] predicted, int[] labels, Backend backend) {
        int[] after = r.predictions();
        float[] all = new float[r.adversarial().shape().intSize()];
        double[] v = r.adversarial().toDoubleArray();
        int size = 784, n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] != labels[i] || after[i] == labels[i]) continue;
            for (int j = 0; j < size; j++) all[n * size + j] = (float) v[i * size + j];
            n++;
        }
        assertTrue(n >= 15, "the attack should find adversarial examples, found " + n);
        return backend.fromArray(Arrays.copyOf(all, n * size), Shape.of(n, 1, 28, 28));
    }
}
