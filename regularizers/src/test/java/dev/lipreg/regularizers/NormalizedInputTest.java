package dev.lipreg.regularizers;

import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.nn.Parameter;
import dev.lipreg.nn.Sequential;
import dev.lipreg.nn.Sgd;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model with a Normalize layer first, trained on [0,1] images, is the model without it applied
 * to hand-normalised images: the same logits, input gradients scaled by 1/std per channel, the
 * same double-backprop penalty gradients, and a PGD attack in pixel space whose adversarial images
 * stay in [0,1] and the ε-ball and fool the bare model on their normalised copies alike.
 */
class NormalizedInputTest {
    static final double[] MEAN = {0.4914, 0.4822, 0.4465}, STD = {0.247, 0.243, 0.261};
    static final int N = 24, C = 3, HW = 6;

    static List<LayerSpec> body() {
        return List.of(LayerSpec.of("conv2d", "in", C, "out", 6, "kernel", 3, "padding", 1), LayerSpec.of("softplus"),
                LayerSpec.of("maxpool2d", "kernel", 2), LayerSpec.of("flatten"), LayerSpec.of("linear", "in", 54, "out", C));
    }

    /** Images in [0,1] labelled by their brightest channel (a task the model can learn in a few steps). */
    static float[] images(long seed) {
        float[] x = new float[N * C * HW * HW];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
        return x;
    }

    static long[] labels(float[] x) {
        long[] y = new long[N];
        for (int n = 0; n < N; n++) {
            double best = -1;
            for (int c = 0; c < C; c++) {
                double s = 0;
                for (int p = 0; p < HW * HW; p++) s += x[(n * C + c) * HW * HW + p];
                if (s > best) {
                    best = s;
                    y[n] = c;
                }
            }
        }
        return y;
    }

    /** (x − mean_c) / std_c in float32, by hand. */
    static float[] normalised(float[] x) {
        float[] z = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = (i / (HW * HW)) % C;
            z[i] = (x[i] - (float) MEAN[c]) / (float) STD[c];
        }
        return z;
    }

    static int correct(Sequential m, Tensor x, long[] y) {
        try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            float[] logits = m.forward(Variable.constant(x)).value().toFloatArray();
            int ok = 0;
            for (int n = 0; n < N; n++) {
                int arg = 0;
                for (int k = 1; k < C; k++) if (logits[n * C + k] > logits[n * C + arg]) arg = k;
                ok += arg == y[n] ? 1 : 0;
            }
            return ok;
        }
    }

    @Test
    void normalizeFirstEqualsHandNormalisedInputToTheBareModel() {
        Backend k = Backends.configured();
        Loss ce = Loss.crossEntropy();
        try (Scope scope = Scope.open()) {
            List<LayerSpec> layers = new ArrayList<>(List.of(LayerSpec.of("normalize", "mean", MEAN, "std", STD)));
            layers.addAll(body());
            Sequential withNormalize = new ModelSpec("normalized", new int[]{C, HW, HW}, C, layers).build(new Init(k, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 5));
            Sequential bare = new ModelSpec("bare", new int[]{C, HW, HW}, C, body()).build(new Init(k, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 6));

            float[] xs = images(1);
            long[] ys = labels(xs);
            Tensor x = k.fromArray(xs, Shape.of(N, C, HW, HW)), y = k.fromArray(ys, Shape.of(N));
            int before = correct(withNormalize, x, ys);
            Optimizer sgd = Sgd.builder().lr(0.5).momentum(0.9).build(withNormalize.parameters());
            for (int step = 0; step < 40; step++) {
                try (Scope s = Scope.open()) {
                    sgd.zeroGrad();
                    Autograd.backward(ce.mean(withNormalize.forward(Variable.constant(x)), y));
                    sgd.step();
                }
            }
            int after = correct(withNormalize, x, ys);
            assertTrue(after >= 18 && after > before, "trained on [0,1] images: " + before + " -> " + after + " of " + N + " correct");
            withNormalize.eval();
            bare.eval();
            // the bare model gets the trained weights: layer i+1 of the normalized model is layer i of the bare one
            Map<String, Tensor> state = new LinkedHashMap<>();
            withNormalize.stateDict().forEach((name, t) -> state.put((Integer.parseInt(name.substring(0, name.indexOf('.'))) - 1)
                    + name.substring(name.indexOf('.')), t));
            bare.loadStateDict(state);

            Tensor z = k.fromArray(normalised(xs), x.shape());
            Variable px = Variable.leaf(x), pz = Variable.leaf(z);
            Variable lx = withNormalize.forward(px), lz = bare.forward(pz);
            assertArrayEquals(lz.value().toFloatArray(), lx.value().toFloatArray(), "logits");

            // ∇ₓ ℓ = ∇_z ℓ / std per channel
            Variable gx = Autograd.grad(Ops.sum(ce.perExample(lx, y)), px, true);
            Variable gz = Autograd.grad(Ops.sum(ce.perExample(lz, y)), pz, true);
            float[] gxs = gx.value().toFloatArray(), gzs = gz.value().toFloatArray();
            float[] scaled = new float[gzs.length];
            for (int i = 0; i < gzs.length; i++) scaled[i] = gzs[i] / (float) STD[(i / (HW * HW)) % C];
            assertArrayEquals(scaled, gxs, "input gradients");

            // the pixel-space gradient penalty ‖∇ₓ ℓ‖² and its parameter gradients (double backprop), written on the bare model
            Tensor inverseStd = k.fromArray(new float[]{(float) (1 / STD[0]), (float) (1 / STD[1]), (float) (1 / STD[2])}, Shape.of(1, C, 1, 1));
            Variable penaltyX = Ops.sum(Ops.square(gx));
            Variable penaltyZ = Ops.sum(Ops.square(Ops.mul(gz, Variable.constant(inverseStd))));
            assertEquals(penaltyZ.item(), penaltyX.item(), 1e-5 * penaltyZ.item());
            List<Parameter> normalizedParams = List.copyOf(withNormalize.parameters().values()), bareParams = List.copyOf(bare.parameters().values());
            List<Variable> dX = Autograd.grad(List.of(penaltyX), new ArrayList<>(normalizedParams), null, false);
            List<Variable> dZ = Autograd.grad(List.of(penaltyZ), new ArrayList<>(bareParams), null, false);
            for (int i = 0; i < dX.size(); i++) {
                float[] a = dX.get(i).value().toFloatArray(), b = dZ.get(i).value().toFloatArray();
                double scale = 0, err = 0;
                for (int j = 0; j < a.length; j++) {
                    scale = Math.max(scale, Math.abs(b[j]));
                    err = Math.max(err, Math.abs(a[j] - b[j]));
                }
                assertTrue(err <= 1e-4 * scale, "penalty gradient of parameter " + i + ": " + err + " at scale " + scale);
            }

            // PGD ℓ∞ in pixel space: the box and the ball hold in pixels, and each image fools both models alike
            double eps = 16 / 255.0;
            AttackResult r = Pgd.linf(eps, 10).run(withNormalize, x, y);
            float[] adv = r.adversarial().toFloatArray();
            for (int i = 0; i < adv.length; i++) {
                assertTrue(adv[i] >= 0 && adv[i] <= 1 && Math.abs(adv[i] - xs[i]) <= eps + 1e-6, "pixel " + i + ": " + adv[i] + " from " + xs[i]);
            }
            Tensor advZ = k.fromArray(normalised(adv), x.shape());
            try (GradMode.Restore off = GradMode.disabled()) {
                float[] a = withNormalize.forward(Variable.constant(r.adversarial())).value().toFloatArray();
                assertArrayEquals(bare.forward(Variable.constant(advZ)).value().toFloatArray(), a, "logits at the adversarial images");
            }
            int[] predictions = new int[N];
            float[] la = bare.forward(Variable.constant(advZ)).value().toFloatArray();
            for (int n = 0; n < N; n++) {
                for (int c = 1; c < C; c++) if (la[n * C + c] > la[n * C + predictions[n]]) predictions[n] = c;
                assertEquals(predictions[n] != ys[n], r.success()[n], "image " + n);
            }
            assertArrayEquals(predictions, r.predictions());
            assertTrue(r.successCount() > 0, "PGD at 16/255 breaks some images of a 40-step model");
        }
    }
}
