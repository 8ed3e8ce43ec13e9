package dev.lipreg.regularizers;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.BatchNorm2d;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Penalties on a model with batch norm in training mode (reference backend,
 * float64): the values and weight gradients of CE + 0.1·max‖g‖₂ + 0.01·mean‖g‖₁
 * against PyTorch 1.13 (batch-statistics gradients, and gradients in eval
 * mode); the running statistics are updated exactly once per step, also by the
 * finite-difference penalty; and how examples couple through batch statistics.
 */
class BatchNormPenaltyTest {
    static final Backend REF = Backends.reference();
    static final int N = 5, SIZE = 6, CLASSES = 3;
    static final Path PYTHON = Path.of("/usr/bin/python3");

    static final String SCRIPT = """
            import sys, torch, torch.nn as nn, torch.nn.functional as F
            vals = {}
            for line in open(sys.argv[1]):
                p = line.split()
                vals[p[0]] = [float(v) for v in p[1:]]
            def model():
                m = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(108, 3)).double()
                sd = m.state_dict()
                for k in sd:
                    if k in vals and k != '1.num_batches_tracked':
                        sd[k].copy_(torch.tensor(vals[k], dtype=torch.float64).reshape(sd[k].shape))
                return m
            x = torch.tensor(vals['x'], dtype=torch.float64).reshape(5, 1, 6, 6)
            y = torch.tensor(vals['y']).long()
            out = open(sys.argv[2], 'w')
            for variant in ['batch', 'eval']:
                m = model()
                m.train()
                xv = x.clone().requires_grad_(True)
                ce = F.cross_entropy(m(xv), y, reduction='none')  # the one training-mode pass: updates the running statistics
                if variant == 'eval':  # then the gradients with the updated running statistics
                    m.eval()
                    xe = x.clone().requires_grad_(True)
                    g, = torch.autograd.grad(F.cross_entropy(m(xe), y, reduction='none').sum(), xe, create_graph=True)
                    m.train()
                else:
                    g, = torch.autograd.grad(ce.sum(), xv, create_graph=True)
                gf = g.flatten(1)
                total = ce.mean() + 0.1 * gf.norm(dim=1).max() + 0.01 * gf.abs().sum(dim=1).mean()
                named = list(m.named_parameters())
                grads = torch.autograd.grad(total, [p for _, p in named])
                rows = {'total': [total.item()], 'input_grad': g.flatten().tolist(),
                        'running_mean': m[1].running_mean.tolist(), 'running_var': m[1].running_var.tolist()}
                for (n, _), gr in zip(named, grads):
                    rows['grad.' + n] = gr.flatten().tolist()
                for k, v in rows.items():
                    out.write(variant + '.' + k + ' ' + ' '.join(repr(float(a)) for a in v) + '\\n')
            out.close()
            """;

    @TempDir
    Path dir;

    static Sequential model() {
        Init init = new Init(REF, DType.FLOAT64, Init.Scheme.KAIMING_NORMAL, 17);
        Sequential m = Sequential.of(new Conv2d(init, 1, 3, 3, 1, 1), new BatchNorm2d(init, 3), Activation.relu(), new Flatten(),
                new Linear(init, 3 * SIZE * SIZE, CLASSES));
        // non-trivial affine parameters and running statistics
        SplittableRandom rng = new SplittableRandom(3);
        m.parameters().get("1.weight").assign(REF.fromArray(rng.doubles(3, 0.5, 2).toArray(), Shape.of(3)));
        m.parameters().get("1.bias").assign(REF.fromArray(rng.doubles(3, -0.3, 0.3).toArray(), Shape.of(3)));
        m.buffers().get("1.running_mean").assign(REF.fromArray(rng.doubles(3, -0.2, 0.2).toArray(), Shape.of(3)));
        m.buffers().get("1.running_var").assign(REF.fromArray(rng.doubles(3, 0.5, 1.5).toArray(), Shape.of(3)));
        m.train(true);
        return m;
    }

    static Tensor images() {
        return REF.fromArray(new SplittableRandom(5).doubles(N * SIZE * SIZE, 0, 1).toArray(), Shape.of(N, 1, SIZE, SIZE));
    }

    static Tensor labels() {
        return Tensor.ofLabels(REF, new int[]{0, 1, 2, 1, 0});
    }

    static double[] buffer(Sequential m, String name) {
        return m.buffers().get(name).value().toDoubleArray();
    }

    @Test
    void penaltiesWithBatchNormMatchPyTorch() throws Exception {
        Assumptions.assumeTrue(torchAvailable(), "PyTorch oracle unavailable: /usr/bin/python3 cannot import torch");
        try (Scope s = Scope.open()) {
            Sequential m = model();
            Tensor x = images(), y = labels();
            StringBuilder in = new StringBuilder();
            m.stateDict().forEach((k, v) -> in.append(line(k, v.toDoubleArray())));
            in.append(line("x", x.toDoubleArray())).append(line("y", y.toDoubleArray()));
            Files.writeString(dir.resolve("in.txt"), in.toString());
            Files.writeString(dir.resolve("oracle.py"), SCRIPT);
            run(dir, "oracle.py", "in.txt", "out.txt");
            Map<String, double[]> expected = read(dir.resolve("out.txt"));
            Map<String, Tensor> start = new HashMap<>();
            m.stateDict().forEach((k, v) -> start.put(k, REF.copy(v)));

            for (String variant : List.of("batch", "eval")) {
                m.loadStateDict(start);
                m.train(true);
                RobustObjective o = RobustObjective.paper(0.1, 0.01, Norm.LINF).withEvalModeGradients(variant.equals("eval"));
                StepValues v = o.evaluate(m, x, y);
                List<String> names = List.copyOf(m.parameters().keySet());
                List<Variable> grads = Autograd.grad(List.of(v.total()), List.copyOf(m.parameters().values()), null, false);
                double worst = close(variant + ".total", new double[]{v.total().item()}, expected);
                worst = Math.max(worst, close(variant + ".running_mean", buffer(m, "1.running_mean"), expected));
                worst = Math.max(worst, close(variant + ".running_var", buffer(m, "1.running_var"), expected));
                for (int i = 0; i < names.size(); i++) worst = Math.max(worst, close(variant + ".grad." + names.get(i), grads.get(i).value().toDoubleArray(), expected));
                System.out.printf("batch norm in training mode, %s-mode gradients: LipReg vs PyTorch, max scaled error %.2e%n", variant, worst);
            }
        }
    }

    /** Exact and finite-difference penalties both leave the running statistics of one training-mode pass. */
    @Test
    void runningStatisticsAreUpdatedOncePerStep() {
        try (Scope s = Scope.open()) {
            Tensor x = images(), y = labels();
            Sequential plain = model();
            RobustObjective.plain(Loss.crossEntropy()).evaluate(plain, x, y);
            for (PenaltyMode mode : List.of(PenaltyMode.exact(), new PenaltyMode.FiniteDifference(0.01))) {
                for (boolean evalMode : new boolean[]{false, true}) {
                    Sequential m = model();
                    RobustObjective.paper(0.1, 0.01, Norm.LINF).withMode(mode).withEvalModeGradients(evalMode).evaluate(m, x, y);
                    String what = mode + (evalMode ? ", eval-mode gradients" : "");
                    assertArrayEquals(buffer(plain, "1.running_mean"), buffer(m, "1.running_mean"), 1e-15, what);
                    assertArrayEquals(buffer(plain, "1.running_var"), buffer(m, "1.running_var"), 1e-15, what);
                    assertArrayEquals(buffer(plain, "1.num_batches_tracked"), buffer(m, "1.num_batches_tracked"), 0, what);
                    assertTrue(m.isTraining(), what + ": the model stays in training mode");
                }
            }
        }
    }

    /**
     * In training mode batch norm normalizes with the batch's statistics, so the
     * "per-example" gradient g_i = ∂(Σ_j ℓ_j)/∂x_i depends on the other examples
     * of the batch. With eval-mode gradients g_i is that of example i alone
     * through the model with the step's running statistics.
     */
    @Test
    void trainingModeGradientsCoupleTheExamplesOfABatch() {
        try (Scope s = Scope.open()) {
            Tensor x = images(), y = labels();
            double[] changed = x.toDoubleArray();
            for (int j = SIZE * SIZE; j < changed.length; j++) changed[j] = 1 - changed[j]; // every example but the first
            Tensor x2 = REF.fromArray(changed, x.shape());
            RobustObjective batch = RobustObjective.paper(0.1, 0.01, Norm.LINF);
            double g1 = batch.evaluate(model(), x, y).gradL2()[0], g2 = batch.evaluate(model(), x2, y).gradL2()[0];
            System.out.printf("batch-statistics gradients: ‖g_0‖₂ %.6f, %.6f when the other examples change%n", g1, g2);
            assertTrue(Math.abs(g1 - g2) > 0.01 * g1, "batch statistics should couple the examples");

            Sequential m = model();
            StepValues step = batch.withEvalModeGradients(true).evaluate(m, x, y);
            double[] inBatch = step.gradL2();
            m.eval(); // the running statistics after the step; each example alone
            for (int i = 0; i < N; i++) {
                Tensor g = InputGradient.compute(m, Loss.crossEntropy(), REF.slice(x, 0, i, i + 1), REF.slice(y, 0, i, i + 1), GradientTarget.LOSS,
                        false).grad().value();
                double alone = Math.sqrt(java.util.Arrays.stream(g.toDoubleArray()).map(v -> v * v).sum());
                if (i == 0) System.out.printf("eval-mode gradients: ‖g_0‖₂ in the batch %.12f, alone %.12f%n", inBatch[0], alone);
                assertEquals(alone, inBatch[i], 1e-12 * alone, "example " + i);
            }
        }
    }

    /** ‖g_0‖₂, the first example's penalized input gradient. */
    private static double[] firstExampleGradient(StepValues v) {
        return new double[]{v.gradL2()[0]};
    }

    private static double close(String key, double[] actual, Map<String, double[]> expected) {
        double[] e = expected.get(key);
        assertEquals(e.length, actual.length, key);
        double err = 0, mag = 0;
        for (int i = 0; i < e.length; i++) {
            err = Math.max(err, Math.abs(actual[i] - e[i]));
            mag = Math.max(mag, Math.abs(e[i]));
        }
        double scaled = mag < 1e-12 ? err : err / mag; // a conv bias before batch norm has gradient 0 up to rounding
        assertTrue(scaled <= 1e-9, key + ": scaled error " + scaled);
        return scaled;
    }

    private static String line(String name, double[] v) {
        StringBuilder sb = new StringBuilder(name);
        for (double d : v) sb.append(' ').append(d);
        return sb.append('\n').toString();
    }

    private static Map<String, double[]> read(Path p) throws IOException {
        Map<String, double[]> m = new HashMap<>();
        for (String l : Files.readAllLines(p)) {
            String[] parts = l.trim().split(" ");
            double[] v = new double[parts.length - 1];
            for (int i = 1; i < parts.length; i++) v[i - 1] = Double.parseDouble(parts[i]);
            m.put(parts[0], v);
        }
        return m;
    }

    static boolean torchAvailable() {
        if (!Files.isExecutable(PYTHON)) return false;
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(Path dir, String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "PyTorch oracle timed out");
        assertEquals(0, p.exitValue(), "PyTorch oracle failed:\n" + out);
    }
}
