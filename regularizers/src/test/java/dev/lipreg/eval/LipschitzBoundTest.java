package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;
import dev.lipreg.attacks.InputGradients;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.TestModels;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.AdaptiveAvgPool2d;
import dev.lipreg.nn.AvgPool2d;
import dev.lipreg.nn.BatchNorm2d;
import dev.lipreg.nn.BottleneckBlock;
import dev.lipreg.nn.Buffer;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.nn.ResidualBlock;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer-norm product bounds every empirical (lower) estimate of the Lipschitz constant. */
class LipschitzBoundTest {

    /** Non-trivial batch-norm affine parameters and running statistics, so its factor is not 1. */
    static void randomizeBatchNorms(Module m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : m.parameters().entrySet()) {
            if (e.getValue().shape().rank() == 1 && e.getKey().contains("bn") || e.getKey().matches(".*\\d\\.weight") && e.getValue().shape().rank() == 1) {
                e.getValue().assign(TestModels.REF.fromArray(rng.doubles(e.getValue().shape().intSize(), 0.5, 2).toArray(), e.getValue().shape()));
            }
        }
        for (Map.Entry<String, Buffer> e : m.buffers().entrySet()) {
            double lo = e.getKey().endsWith("running_var") ? 0.2 : -0.1, hi = e.getKey().endsWith("running_var") ? 1.5 : 0.1;
            if (e.getKey().endsWith("running_var") || e.getKey().endsWith("running_mean")) {
                e.getValue().assign(TestModels.REF.fromArray(rng.doubles(e.getValue().value().shape().intSize(), lo, hi).toArray(), e.getValue().value().shape()));
            }
        }
    }

    /** max over images and classes of ‖∇ₓ f_k‖₂: each is a row norm of the Jacobian, so ≤ ‖J‖₂ ≤ L. */
    static double maxLogitGradient(Module model, Tensor x) {
        double m = 0;
        for (Tensor g : InputGradients.ofLogits(model, x).gradients()) m = Math.max(m, Stats.max(PerImage.norms(g, dev.lipreg.tensor.Norm.L2)));
        return m;
    }

    static void boundsEmpirical(Module model, int[] input, Tensor x, String what) {
        LipschitzUpperBound.Bound b = LipschitzUpperBound.of(model, input);
        double pairs = PairwiseLipschitz.ofModel(model, x, 16).value();
        double grads = maxLogitGradient(model, x);
        System.out.printf("%-22s upper bound %.4f  >= pairwise %.4f, max logit gradient %.4f  (%d factors)%n", what, b.value(), pairs, grads, b.factors().size());
        b.factors().forEach(f -> System.out.printf("    %-70s %.6f  (%s)%n", f.layer(), f.value(), f.method().label()));
        assertTrue(b.value() >= pairs, what);
        assertTrue(b.value() >= grads, what);
    }

    @Test
    void convNetWithBatchNormAndPooling() {
        try (Scope s = Scope.open()) {
            Init init = TestModels.init(3);
            Sequential m = Sequential.of(new Conv2d(init, 1, 4, 3, 1, 1), new BatchNorm2d(init, 4), Activation.relu(), new MaxPool2d(2),
                    new Conv2d(init, 4, 4, 3, 2, 1), Activation.leakyRelu(0.1), new AvgPool2d(Pool2dSpec.of(2)), new Flatten(), new Linear(init, 4, 3));
            randomizeBatchNorms(m, 4);
            m.eval();
            boundsEmpirical(m, new int[]{1, 8, 8}, TestModels.uniformImages(24, 1, 8, 8, 5), "conv+bn+pool net");
            LipschitzUpperBound.Bound b = LipschitzUpperBound.of(m, new int[]{1, 8, 8});
            assertEquals("Conv2d(1, 4, kernel=3x3, stride=1x1, padding=1x1) + BatchNorm2d(4, eps=1.0E-5, momentum=0.1)", b.factors().getFirst().layer());
            assertEquals(1.0, b.factors().get(1).value()); // ReLU
            assertEquals(1.0, b.factors().get(2).value()); // non-overlapping max pool
            assertEquals(0.5, b.factors().get(5).value(), 1e-8); // 2x2 average pool: 1/2
        }
    }

    @Test
    void residualAndBottleneckBlocks() {
        try (Scope s = Scope.open()) {
            Init init = TestModels.init(6);
            Sequential m = Sequential.of(new Conv2d(init, 1, 4, 3, 1, 1), Activation.relu(), new ResidualBlock(init, 4, 8, 2, 2),
                    new ResidualBlock(init, 8, 8, 1, 2), new BottleneckBlock(init, 8, 8, 2, 2, 1), new AdaptiveAvgPool2d(), new Flatten(),
                    new Linear(init, 8, 3));
            randomizeBatchNorms(m, 7);
            m.eval();
            boundsEmpirical(m, new int[]{1, 8, 8}, TestModels.uniformImages(16, 1, 8, 8, 8), "residual net");
        }
    }

    @Test
    void linearModelBoundIsItsSpectralNorm() {
        try (Scope s = Scope.open()) {
            Sequential m = TestModels.linear(3, 9);
            Linear lin = (Linear) m.layers().get(1);
            double exact = ExplicitMatrix.sigmaMax(ExplicitMatrix.of(LinearOperator.linear(lin.weight().value())));
            LipschitzUpperBound.Bound b = LipschitzUpperBound.of(m, new int[]{1, 4, 4});
            assertTrue(b.value() >= exact, b.value() + " < " + exact);
            assertEquals(exact, b.value(), 1e-6 * exact); // one dense layer of 2 rows: the Gram iteration is tight
        }
    }

    @Test
    void gradientNormsOfALinearModel() {
        try (Scope s = Scope.open()) {
            Sequential m = TestModels.linear(2, 13);
            Linear lin = (Linear) m.layers().get(1);
            double[] w = TestModels.marginWeights(lin);
            double n2 = 0, n1 = 0;
            for (double v : w) {
                n2 += v * v;
                n1 += Math.abs(v);
            }
            Tensor x = TestModels.centeredImages(7, 0.3, 14);
            Tensor y = TestModels.predictedLabels(m, x);
            GradientNorms.Report r = GradientNorms.of(m, x, y, dev.lipreg.nn.Loss.crossEntropy(), 3, Progress.none());
            double[] z = PerImage.logits(m, x).toDoubleArray();
            long[] labels = y.toLongArray();
            for (int i = 0; i < 7; i++) {
                // ∇ₓ CE = p_other · (W_other − W_y): its norms are p_other·‖w‖
                double other = z[2 * i + 1 - (int) labels[i]], own = z[2 * i + (int) labels[i]];
                double p = 1 / (1 + Math.exp(own - other));
                assertEquals(p * Math.sqrt(n2), r.l2()[i], 1e-12);
                assertEquals(p * n1, r.l1()[i], 1e-12);
            }
            assertEquals(Stats.max(r.l2()), r.maxL2());
            assertEquals(Stats.mean(r.l1()), r.meanL1(), 1e-15);
        }
    }

    @Test
    void dataLipschitzConstantOfKnownPairs() {
        try (Scope s = Scope.open()) {
            // three images: 0 and 1 at distance 0.5 with different labels, 2 far away with label of 0
            double[] v = new double[3 * 4];
            v[4] = 0.5;
            java.util.Arrays.fill(v, 8, 12, 1);
            Tensor x = TestModels.REF.fromArray(v, dev.lipreg.tensor.Shape.of(3, 1, 2, 2));
            PairwiseLipschitz.Bound b = PairwiseLipschitz.ofData(x, Tensor.ofLabels(TestModels.REF, new int[]{0, 1, 0}));
            assertEquals(Math.sqrt(2) / 0.5, b.value(), 1e-12);
            assertEquals(0, b.first());
            assertEquals(1, b.second());
            assertEquals(3, b.pairs());
            Tensor sample = PairwiseLipschitz.sample(TestModels.uniformImages(20, 1, 2, 2, 3), 5, 9);
            assertEquals(5, sample.dim(0));
        }
    }

    @Test
    void unsupportedLayersAndTrainingModeAreRejected() {
        try (Scope s = Scope.open()) {
            Module custom = new Module() {
                @Override
                public dev.lipreg.autograd.Variable forward(dev.lipreg.autograd.Variable x) {
                    return x;
                }
            };
            Sequential m = Sequential.of(custom);
            m.eval();
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> LipschitzUpperBound.of(m, new int[]{1, 4, 4}));
            assertTrue(e.getMessage().startsWith("no Lipschitz bound for layer"), e.getMessage());
            m.train(true);
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> LipschitzUpperBound.of(m, new int[]{1, 4, 4}));
            assertTrue(e.getMessage().contains("model.eval()"), e.getMessage());
        }
    }
}
