package dev.lipreg.eval;

import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Ensemble;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.Adam;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny CNN trained in the test (seeded, 60 Adam steps on 1,024 Fashion-MNIST
 * images downsampled to 14x14, reference backend, float64): for every held-out
 * image the certified radius margin/(√2·L), with L the layer-norm product, stays
 * below the smallest adversarial distance that DeepFool, CW and PGD-bisection
 * find. Also checks the Lipschitz estimates are ordered: empirical lower
 * bounds ≤ upper bound.
 */
class CertifiedRadiusTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final Backend REF = Backends.reference();
    static final int TRAIN = 1024, HELD_OUT = 16;

    @Test
    void certifiedRadiusNeverExceedsTheBestAttack() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST not found at " + DATA);
        Dataset test = FashionMnist.load(DATA, Split.TEST);
        try (Scope s = Scope.open()) {
            Init init = new Init(REF, DType.FLOAT64, Init.Scheme.KAIMING_NORMAL, 42);
            Sequential model = Sequential.of(new Conv2d(init, 1, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                    new Conv2d(init, 4, 8, 3, 2, 1), Activation.relu(), new Flatten(), new Linear(init, 8 * 4 * 4, 10));
            Tensor trainX = images(test, 0, TRAIN), trainY = labels(test, 0, TRAIN);
            train(model, trainX, trainY);
            model.eval();

            Tensor x = images(test, TRAIN, TRAIN + HELD_OUT), y = labels(test, TRAIN, TRAIN + HELD_OUT);
            LipschitzUpperBound.Bound bound = LipschitzUpperBound.of(model, new int[]{1, 14, 14});
            CertifiedRadius.Certificates cert = CertifiedRadius.of(model, x, y, bound.value(), HELD_OUT, Progress.none());

            DistanceReport deepFool = Robustness.minimalDistances(model, x, y, DeepFool.of(Norm.L2), Norm.L2, 8, Progress.none());
            DistanceReport cw = Robustness.minimalDistances(model, x, y, CarliniWagnerL2.defaults().withSearch(5, 100).withInitialConst(0.1),
                    Norm.L2, HELD_OUT, Progress.none());
            DistanceReport pgd = Robustness.bisection(model, x, y, Pgd.l2(0, 10), 4, 8, HELD_OUT, Progress.none());
            DistanceReport best = DistanceReport.minimum(List.of(deepFool, cw, pgd));

            double accuracy = 0;
            for (boolean c : cert.correct()) accuracy += c ? 1.0 / HELD_OUT : 0;
            double lowerPairs = PairwiseLipschitz.ofModel(model, trainX.backend().slice(trainX, 0, 0, 64), 64).value();
            GradientNorms.Report grads = GradientNorms.of(model, x, y, Loss.crossEntropy(), HELD_OUT, Progress.none());
            System.out.printf("trained CNN: held-out accuracy %.2f, Lipschitz upper bound %.3f, pairwise lower bound %.3f, max |grad loss| %.3f%n",
                    accuracy, bound.value(), lowerPairs, grads.maxL2());
            System.out.printf("median l2 distance: deepfool %.4f, cw %.4f, pgd-bisection %.4f, best %.4f; median certified radius %.5f%n",
                    deepFool.median(), cw.median(), pgd.median(), best.median(), cert.medianRadius());
            System.out.println("best attack per image: " + Arrays.toString(best.bestAttack()));
            assertTrue(accuracy >= 0.6, "the test net should learn something, accuracy " + accuracy);

            // the ensemble's error at each ε is at least each member's, image by image
            double[] eps = {0.1, 0.25};
            Ensemble ensemble = Ensemble.standard(Norm.L2, eps[0], 10, 200, 1);
            Robustness.Broken all = Robustness.broken(model, x, y, ensemble, eps, HELD_OUT, Progress.none());
            for (FixedBudgetAttack member : ensemble.members()) {
                Robustness.Broken one = Robustness.broken(model, x, y, member, eps, HELD_OUT, Progress.none());
                System.out.printf("l2 error at eps %s: %s %s, ensemble %s%n", Arrays.toString(eps), member.name(),
                        Arrays.toString(one.curve().errors()), Arrays.toString(all.curve().errors()));
                for (int j = 0; j < eps.length; j++) {
                    assertTrue(all.curve().errors()[j] >= one.curve().errors()[j], member.name() + " at " + eps[j]);
                    for (int i = 0; i < HELD_OUT; i++) assertTrue(!one.broken()[j][i] || all.broken()[j][i], member.name() + " image " + i);
                }
            }
            assertTrue(bound.value() >= lowerPairs);
            for (int i = 0; i < HELD_OUT; i++) {
                assertTrue(cert.radii()[i] <= best.distances()[i],
                        "image " + i + ": certified radius " + cert.radii()[i] + " exceeds an adversarial at " + best.distances()[i]);
                if (!cert.correct()[i]) assertTrue(best.distances()[i] == 0, "misclassified images have distance 0");
            }
        }
    }

    /** 60 Adam steps of batch 64, cycling through the training images. */
    static void train(Sequential model, Tensor x, Tensor y) {
        Adam opt = Adam.adam(model.parameters(), 0.01);
        for (int step = 0; step < 60; step++) {
            try (Scope s = Scope.open()) {
                int from = step * 64 % TRAIN;
                Variable logits = model.forward(Variable.constant(REF.slice(x, 0, from, from + 64)));
                Loss.crossEntropy().mean(logits, REF.slice(y, 0, from, from + 64)).backward();
                opt.step();
                opt.zeroGrad();
            }
        }
    }

    /** Images from..to as float64 [n,1,14,14]: 2x2 average pooling of the 28x28 originals (stays in [0,1]). */
    static Tensor images(Dataset d, int from, int to) {
        float[] all = d.images();
        double[] v = new double[(to - from) * 784];
        for (int i = 0; i < v.length; i++) v[i] = all[from * 784 + i];
        return REF.avgPool2d(REF.fromArray(v, Shape.of(to - from, 1, 28, 28)), Pool2dSpec.of(2));
    }

    static Tensor labels(Dataset d, int from, int to) {
        return Tensor.ofLabels(REF, Arrays.copyOfRange(d.labels(), from, to));
    }
}
