package dev.lipreg.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.InputGradients;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.eval.DetectionScores;
import dev.lipreg.eval.DetectionStatistic;
import dev.lipreg.eval.GradientNorms;
import dev.lipreg.nn.Loss;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.regularizers.InputGradient;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An MLP trained in DJL/PyTorch on real Fashion-MNIST, attacked and measured by
 * LipReg through {@link DjlClassifier}; every number is checked against DJL itself.
 */
class DjlClassifierTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static Model model;
    static Dataset test;
    static DjlClassifier classifier;
    final Backend backend = Backends.auto();

    @BeforeAll
    static void train() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not installed at " + DATA);
        Dataset train = FashionMnist.load(DATA, Split.TRAIN).sample(1024, 1);
        test = FashionMnist.load(DATA, Split.TEST).sample(32, 2);
        model = DjlModels.trainedMlp(train, 40, 64);
        classifier = DjlClassifier.of(model);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    private Tensor images(Dataset d) {
        return Tensor.of(backend, d.images(), d.count(), d.channels(), d.height(), d.width());
    }

    /** Logits straight from DJL. */
    private static float[] djlLogits(NDManager m, NDArray x) {
        return model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }

    /**
     * ∇ₓ Σ_i CE(f(x_i), y_i), computed by DJL's autograd alone. The parameters
     * are kept out of the graph, as DjlClassifier does: their gradient buffers
     * went with the closed Trainer.
     */
    private static float[] djlLossGradient(Dataset d) {
        var params = model.getBlock().getParameters().values();
        params.forEach(p -> p.getArray().setRequiresGradient(false));
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = DjlModels.images(m, d);
            x.setRequiresGradient(true);
            try (GradientCollector gc = model.getNDManager().getEngine().newGradientCollector()) {
                NDArray logits = model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
                NDArray oneHot = m.create(d.labels()).oneHot(10);
                gc.backward(logits.logSoftmax(1).mul(oneHot).sum().neg());
            }
            return x.getGradient().toFloatArray();
        } finally {
            params.forEach(p -> p.getArray().setRequiresGradient(true));
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void logitsAndInputGradientsAreDjls() {
        try (Scope s = Scope.open(); NDManager m = model.getNDManager().newSubManager()) {
            Tensor x = images(test);
            Tensor y = Tensor.ofLabels(backend, test.labels());
            assertArrayEquals(djlLogits(m, DjlModels.images(m, test)), PerImage.logits(classifier, x).toFloatArray(), 0f);

            float[] expected = djlLossGradient(test);
            float[] actual = InputGradients.ofLoss(classifier, x, y, Loss.crossEntropy()).gradient().toFloatArray();
            double scale = 0;
            for (float v : expected) scale = Math.max(scale, Math.abs(v));
            assertTrue(scale > 1e-4, "the gradient is not trivially zero: " + scale);
            assertArrayEquals(expected, actual, (float) (1e-5 * scale));

            // the gradient-norm statistics are the norms of DJL's gradient
            GradientNorms.Report norms = GradientNorms.of(classifier, x, y, Loss.crossEntropy(), 32, null);
            double[] l2 = PerImage.norms(Tensor.of(backend, expected, x.shape().dims()), ReduceOp.NORM_L2);
            for (int i = 0; i < l2.length; i++) assertEquals(l2[i], norms.l2()[i], 1e-5 * l2[i], "ℓ2 norm of image " + i);
        }
    }

    @Test
    void pgdAndDeepFoolBreakTheDjlModelAsDjlSeesIt() {
        try (Scope s = Scope.open(); NDManager m = model.getNDManager().newSubManager()) {
            Tensor x = images(test);
            Tensor y = Tensor.ofLabels(backend, test.labels());
            int[] clean = PerImage.argmax(PerImage.logits(classifier, x));
            int cleanErrors = 0;
            for (int i = 0; i < clean.length; i++) if (clean[i] != test.label(i)) cleanErrors++;
            assertTrue(cleanErrors < test.count() / 2, "a few DJL training steps learn something: " + cleanErrors + " errors of " + test.count());

            AttackResult pgd = Pgd.linf(0.1, 10).run(classifier, x, y);
            assertTrue(pgd.successCount() > cleanErrors, "PGD at ε=0.1 breaks more than the clean errors: " + pgd.successCount());
            assertAdversarialForDjl(m, pgd);
            for (double d : pgd.distances(Norm.LINF)) assertTrue(d <= 0.1 + 1e-6, "PGD stays in the ε-ball: " + d);

            AttackResult deepFool = DeepFool.of(Norm.L2).run(classifier, x, y);
            assertTrue(deepFool.successRate() > 0.9, "DeepFool crosses the boundary: " + deepFool.successRate());
            assertAdversarialForDjl(m, deepFool);
        }
    }

    /** DJL itself, run on the adversarial images, predicts what the attack reports, wrong wherever it claims success. */
    private static void assertAdversarialForDjl(NDManager m, AttackResult r) {
        int n = r.size();
        float[] logits = djlLogits(m, Conversions.toNd(r.adversarial(), m));
        for (int i = 0; i < n; i++) {
            int top = 0;
            for (int k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + top]) top = k;
            assertEquals(r.predictions()[i], top, "prediction of image " + i);
            if (r.success()[i]) assertTrue(top != test.label(i), "image " + i + " is adversarial for DJL");
        }
    }

    @Test
    void detectorScoresUseDjlGradients() {
        try (Scope s = Scope.open()) {
            Tensor x = images(test);
            double[] scores = DetectionScores.of(classifier, x, DetectionStatistic.PREDICTED_LOSS_GRADIENT, 32, null);
            int[] predicted = PerImage.argmax(PerImage.logits(classifier, x));
            Dataset relabelled = new Dataset(test.images(), predicted, test.count(), 1, 28, 28, 10, "predicted");
            double[] expected = PerImage.norms(Tensor.of(backend, djlLossGradient(relabelled), x.shape().dims()), ReduceOp.NORM_L2);
            assertArrayEquals(expected, scores, 1e-5 * java.util.Arrays.stream(expected).max().orElseThrow());
        }
    }

    @Test
    void secondOrderFeaturesAreRefusedNotApproximated() {
        try (Scope s = Scope.open()) {
            Tensor x = images(test.subset(0, 4));
            Tensor y = Tensor.ofLabels(backend, test.subset(0, 4).labels());
            InputGradient g = InputGradient.compute(classifier, Loss.crossEntropy(), x, y, GradientTarget.LOSS, true);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Autograd.grad(Ops.sum(Ops.square(g.grad())), g.input(), false));
            assertTrue(e.getMessage().contains("djl:djl-fashion-mlp") && e.getMessage().contains("first-order gradients only"), e.getMessage());
        }
    }
}
