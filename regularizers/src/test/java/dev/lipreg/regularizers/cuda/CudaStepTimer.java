package dev.lipreg.regularizers.cuda;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.autograd.Variable;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.cuda.CudaBackend;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * LipReg's side of the GPU comparison with bench/python/compare.py --device cuda: the same
 * fashion-cnn, SGD (lr 0.01, momentum 0.9), uniform-noise batches (compare.py's fallback
 * without a dataset) and steps: "train" (CE) and "exact-penalty" (CE + 0.1·max‖g‖₂ +
 * 0.01·mean‖g‖₁ by double backprop). Each step runs in its own scope and is timed to a stream
 * synchronization. Prints one JSON line.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.lipreg.regularizers.cuda.CudaStepTimer [batch] [warmup] [steps]</pre>
 */
public final class CudaStepTimer {
    private CudaStepTimer() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        CudaBackend k = CudaBackend.instance();
        StringBuilder json = new StringBuilder("{\"backend\": \"cuda\", \"batch\": " + batch + ", \"results\": {");
        try (Scope home = Scope.open()) {
            Module model = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(k, 42));
            Sgd sgd = new Sgd(model.parameters(), 0.01, 0.9, 0);
            SplittableRandom r = new SplittableRandom(42);
            Tensor[] xs = new Tensor[8], ys = new Tensor[8];
            for (int b = 0; b < xs.length; b++) {
                float[] x = new float[batch * 28 * 28];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
                long[] y = new long[batch];
                for (int i = 0; i < batch; i++) y[i] = r.nextInt(10);
                xs[b] = k.fromArray(x, Shape.of(batch, 1, 28, 28));
                ys[b] = Tensor.ofLabels(k, y);
            }
            RobustObjective exact = RobustObjective.paper(0.1, 0.01, Norm.LINF);
            Loss ce = Loss.crossEntropy();
            String[] modes = {"train", "exact-penalty"};
            for (int m = 0; m < modes.length; m++) {
                double[] ms = new double[steps];
                long launches = 0;
                for (int i = -warmup; i < steps; i++) {
                    if (i == 0) launches = k.kernelLaunches();
                    Tensor x = xs[Math.floorMod(i, xs.length)], y = ys[Math.floorMod(i, ys.length)];
                    long t0 = System.nanoTime();
                    try (Scope step = Scope.open()) {
                        Variable total = m == 0 ? ce.mean(model.forward(Variable.constant(x)), y) : exact.evaluate(model, x, y).total();
                        sgd.zeroGrad();
                        total.backward();
                        sgd.step();
                        sgd.zeroGrad();
                    }
                    k.synchronize();
                    if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                double perStep = (double) (k.kernelLaunches() - launches) / steps;
                json.append(m == 0 ? "" : ", ").append('"').append(modes[m]).append("\": {\"kernels_per_step\": ")
                        .append(String.format(Locale.ROOT, "%.1f", perStep)).append(", \"median_ms\": ")
                        .append(String.format(Locale.ROOT, "%.3f", sorted[sorted.length / 2])).append(", \"ms\": ")
                        .append(Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v * 1000) / 1000.0).toArray())).append('}');
            }
        }
        json.append("}, \"device_bytes\": ").append(k.reservedBytes()).append('}');
        System.out.println(json);
    }
}
