package dev.lipreg.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code make bench-onnx}: forward passes of imported fashion-cnn and resnet-small
 * (LipReg's presets written by {@link OnnxExport}, then read back by {@link OnnxModel})
 * on LipReg's default backend vs ONNX Runtime's CPU execution provider with the same
 * thread count, alternating, one process; the same model built natively, for the import's
 * overhead; and LipReg's input-gradient step
 * (forward + ∇ₓ of the cross-entropy) of the imported model, which ONNX Runtime has no
 * counterpart for. Prints median milliseconds per batch. Not a unit test: timings are
 * reported, never asserted.
 */
public final class OnnxBench {
    private OnnxBench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2, batch = 128, reps = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("usage: OnnxBench [--threads N] [--batch N] [--reps N]");
            }
        }
        Backend backend = Backends.configured();
        Path dir = Files.createTempDirectory("lipreg-onnx-bench");
        System.out.printf("ONNX import benchmark: batch %d, %d threads, median of %d runs; LipReg backend %s, ONNX Runtime %s CPU EP%n%n",
                batch, threads, reps, backend.name(), OrtEnvironment.getEnvironment().getVersion());
        System.out.println("| model | LipReg forward ms | ORT forward ms | LipReg / ORT | LipReg native model forward ms | LipReg input-gradient step ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : new String[]{"fashion-cnn", "resnet-small"}) {
            ModelSpec spec = Presets.spec(name, new int[]{1, 28, 28}, 10);
            Path file = dir.resolve(name + ".onnx");
            float[] x = new float[batch * 784];
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) labels[i] = i % 10;

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            // ORT's pool otherwise spins after each run, stealing the cores from the LipReg run that follows
            opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            double[] lip = new double[reps], ort = new double[reps], grad = new double[reps], nat = new double[reps];
            try (Scope s = Scope.open()) {
                Module native_ = spec.build(new Init(backend, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, 1)).eval();
                OnnxExport.write(native_, spec.input(), file);
                OrtSession session = env.createSession(file.toString(), opts);
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{batch, 1, 28, 28});
                OnnxModel model = OnnxModel.load(file, backend);
                Tensor y = Tensor.ofLabels(backend, labels);
                for (int r = -3; r < reps; r++) { // 3 warm-up rounds, then alternate
                    long t0 = System.nanoTime();
                    try (Scope step = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
                        model.forward(Variable.constant(backend.fromArray(x, Shape.of(batch, 1, 28, 28)))).value().toFloatArray();
                    }
                    long t1 = System.nanoTime();
                    try (OrtSession.Result res = session.run(Map.of("input", in))) {
                        ((OnnxTensor) res.get(0)).getFloatBuffer();
                    }
                    long t2 = System.nanoTime();
                    try (Scope step = Scope.open()) {
                        Variable xv = Variable.leaf(backend.fromArray(x, Shape.of(batch, 1, 28, 28)));
                        Variable logits = model.forward(xv);
                        Variable loss = Ops.neg(Ops.sum(Ops.mul(Ops.oneHot(y, 10, logits), Ops.logSoftmax(logits, 1))));
                        Autograd.grad(loss, xv, false).value().toFloatArray();
                    }
                    long t3 = System.nanoTime();
                    try (Scope step = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
                        native_.forward(Variable.constant(backend.fromArray(x, Shape.of(batch, 1, 28, 28)))).value().toFloatArray();
                    }
                    long t4 = System.nanoTime();
                    if (r >= 0) {
                        lip[r] = (t1 - t0) / 1e6;
                        ort[r] = (t2 - t1) / 1e6;
                        grad[r] = (t3 - t2) / 1e6;
                        nat[r] = (t4 - t3) / 1e6;
                    }
                }
                in.close();
                session.close();
            }
            double l = median(lip), o = median(ort);
            System.out.printf("| %s (imported) | %.2f | %.2f | %.2f× | %.2f | %.2f |%n", name, l, o, l / o, median(nat), median(grad));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
