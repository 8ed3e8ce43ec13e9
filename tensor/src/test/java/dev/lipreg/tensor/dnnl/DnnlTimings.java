package dev.lipreg.tensor.dnnl;

import dev.lipreg.bindings.Dnnl;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/**
 * Rough timings (not a test): the Fashion-MNIST CNN's convolutions and linear layer
 * at batch 128, and a full forward pass on both backends. Run with
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.lipreg.tensor.dnnl.DnnlTimings [reps]}
 * (OMP_NUM_THREADS sets the thread count; ONEDNN_VERBOSE=profile_exec shows each primitive).
 */
public final class DnnlTimings {
    private static final int N = 128;

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        DnnlBackend dnnl = DnnlBackend.instance();
        System.out.printf("oneDNN %s, ISA %s, %d OpenMP threads%n", Dnnl.version().number(), Dnnl.effectiveCpuIsa(), Dnnl.maxThreads());
        try (Scope s = Scope.open()) {
            conv(dnnl, "conv1 1->32 28x28", new int[]{N, 1, 28, 28}, new int[]{32, 1, 3, 3}, reps);
            conv(dnnl, "conv2 32->64 14x14", new int[]{N, 32, 14, 14}, new int[]{64, 32, 3, 3}, reps);
            linear(dnnl, reps);
            Model dm = new Model(dnnl), rm = new Model(Backends.reference());
            Tensor x = tensor(dnnl, 9, N, 1, 28, 28);
            double ms = time(() -> dm.forward(x, false), reps);
            System.out.printf("%-44s %8.2f ms  %6.1f GFLOP/s%n", "fashion-cnn forward (dnnl)", ms, Model.FLOP / ms / 1e6);
            dm.forward(x, true);
            Tensor xr = x.to(Backends.reference());
            double rms = time(() -> rm.forward(xr, false), 1);
            System.out.printf("%-44s %8.2f ms  %6.1f GFLOP/s%n", "fashion-cnn forward (reference)", rms, Model.FLOP / rms / 1e6);
            Tensor yd = dm.forward(x, false), yr = rm.forward(xr, false);
            double scale = Arrays.stream(yr.toDoubleArray()).map(Math::abs).max().orElse(1);
            double[] a = yd.toDoubleArray(), b = yr.toDoubleArray();
            double err = 0;
            for (int i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
            System.out.printf("forward max |dnnl - reference| = %.2e (output scale %.2e)%n", err, scale);
            overhead(dnnl);
        }
    }

    private static void conv(DnnlBackend b, String name, int[] xs, int[] ws, int reps) {
        Conv2dSpec spec = Conv2dSpec.of(1, 1);
        Tensor x = tensor(b, 1, xs), w = tensor(b, 2, ws), bias = tensor(b, 3, ws[0]);
        Shape y = spec.outputShape(x.shape(), w.shape());
        Tensor gy = tensor(b, 4, y.dims());
        double flop = 2.0 * y.size() * ws[1] * ws[2] * ws[3];
        report(name + " fwd (+bias)", time(() -> b.conv2d(x, w, bias, spec), reps), flop);
        report(name + " bwd data", time(() -> b.conv2dBackwardData(gy, w, x.shape(), spec), reps), flop);
        report(name + " bwd weights", time(() -> b.conv2dBackwardWeights(x, gy, w.shape(), spec), reps), flop);
    }

    private static void linear(DnnlBackend b, int reps) {
        Tensor x = tensor(b, 5, N, 3136), w = tensor(b, 6, 128, 3136), bias = tensor(b, 7, 128), gy = tensor(b, 8, N, 128);
        double flop = 2.0 * N * 3136 * 128;
        report("linear 3136->128 fwd (+bias)", time(() -> b.linear(x, w, bias), reps), flop);
        report("linear bwd data (gy·W)", time(() -> b.matmul(gy, w, false, false), reps), flop);
        report("linear bwd weights (gyᵀ·x)", time(() -> b.matmul(gy, x, true, false), reps), flop);
    }

    /** conv-relu-pool-conv-relu-pool-linear-relu-linear. */
    private static final class Model {
        static final double FLOP = 2.0 * N * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 3136 * 128 + 128 * 10);
        final Backend b;
        final Tensor w1, b1, w2, b2, w3, b3, w4, b4;

        Model(Backend backend) {
            b = backend;
            w1 = tensor(b, 11, 32, 1, 3, 3).reshape(32, 1, 3, 3);
            b1 = tensor(b, 12, 32);
            w2 = b.affine(tensor(b, 13, 64, 32, 3, 3), 0.1, 0);
            b2 = tensor(b, 14, 64);
            w3 = b.affine(tensor(b, 15, 128, 3136), 0.02, 0);
            b3 = tensor(b, 16, 128);
            w4 = b.affine(tensor(b, 17, 10, 128), 0.1, 0);
            b4 = tensor(b, 18, 10);
        }

        Tensor forward(Tensor x, boolean verbose) {
            Conv2dSpec c = Conv2dSpec.of(1, 1);
            Pool2dSpec p = Pool2dSpec.of(2);
            Tensor h = step(verbose, "conv1", () -> b.conv2d(x, w1, b1, c));
            Tensor h1 = h;
            h = step(verbose, "relu1", () -> b.unary(UnaryOp.RELU, h1));
            Tensor h2 = h;
            h = step(verbose, "pool1", () -> b.maxPool2d(h2, p).values());
            Tensor h3 = h;
            h = step(verbose, "conv2", () -> b.conv2d(h3, w2, b2, c));
            Tensor h4 = h;
            h = step(verbose, "relu2", () -> b.unary(UnaryOp.RELU, h4));
            Tensor h5 = h;
            h = step(verbose, "pool2", () -> b.maxPool2d(h5, p).values()).reshape(N, 3136);
            Tensor h6 = h;
            h = step(verbose, "linear1", () -> b.linear(h6, w3, b3));
            Tensor h7 = h;
            h = step(verbose, "relu3", () -> b.unary(UnaryOp.RELU, h7));
            Tensor h8 = h;
            return step(verbose, "linear2", () -> b.linear(h8, w4, b4));
        }

        private static Tensor step(boolean verbose, String name, Supplier<Tensor> op) {
            if (!verbose) return op.get();
            double ms = time(op::get, 10);
            System.out.printf("    %-40s %8.3f ms%n", name, ms);
            return op.get();
        }
    }

    /** Per-call cost of a tiny op, and memory objects re-pointed vs created per call. */
    private static void overhead(DnnlBackend b) {
        Tensor x = tensor(b, 20, 1);
        System.out.printf("%-44s %8.2f µs%n", "tiny unary (cached primitive), per call", time(() -> b.unary(UnaryOp.RELU, x), 20000) * 1e3);
        Tensor y = tensor(b, 21, 1);
        System.out.printf("%-44s %8.2f µs%n", "tiny binary (cached primitive), per call", time(() -> b.binary(BinaryOp.ADD, x, y), 20000) * 1e3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            MemorySegment dims = arena.allocate(C_LONG_LONG, 12);
            dims.set(C_LONG_LONG, 0, 1);
            Dnnl.check(dnnl_memory_desc_create_with_tag(out, 1, dims, dnnl_f32(), dnnl_a()), "md");
            MemorySegment md = out.get(C_POINTER, 0);
            Dnnl.check(dnnl_engine_create(out, dnnl_cpu(), 0), "engine");
            MemorySegment engine = out.get(C_POINTER, 0);
            Dnnl.check(dnnl_memory_create(out, md, engine, x.data()), "mem");
            MemorySegment mem = out.get(C_POINTER, 0);
            int n = 200_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) dnnl_memory_set_data_handle(mem, (i & 1) == 0 ? x.data() : y.data());
            double setNs = (System.nanoTime() - t0) / (double) n;
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                dnnl_memory_create(out, md, engine, x.data());
                dnnl_memory_destroy(out.get(C_POINTER, 0));
            }
            double createNs = (System.nanoTime() - t0) / (double) n;
            System.out.printf("%-44s %8.0f ns vs %.0f ns%n", "memory object: set_data_handle vs create+destroy", setNs, createNs);
            dnnl_memory_destroy(mem);
            dnnl_memory_desc_destroy(md);
            dnnl_engine_destroy(engine);
        }
    }

    private static void report(String name, double ms, double flop) {
        System.out.printf("%-44s %8.2f ms  %6.1f GFLOP/s%n", name, ms, flop / ms / 1e6);
    }

    /** Median ms per call, each call in its own scope, after warm-up. */
    private static double time(Supplier<?> op, int reps) {
        int warm = Math.min(3, reps);
        for (int i = 0; i < warm; i++) {
            try (Scope s = Scope.open()) {
                op.get();
            }
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            try (Scope s = Scope.open()) {
                long t0 = System.nanoTime();
                op.get();
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static Tensor tensor(Backend b, long seed, int... dims) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(Shape.of(dims).size())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.5);
        return b.fromArray(v, Shape.of(dims)).reshape(dims);
    }

    private DnnlTimings() {
    }
}
