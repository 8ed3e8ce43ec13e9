package dev.lipreg.bench;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.bindings.Dnnl;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.tensor.Norm;
import dev.lipreg.regularizers.PenaltyMode;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LipReg's side of the comparison: the {@code fashion-cnn} preset, SGD (lr 0.01,
 * momentum 0.9) and the batches of a {@link BenchData}, stepped through
 * {@link Mode}s with the public API a user would call. Parameters, optimizer
 * state and the input batches live in a scope opened by the constructor and
 * closed by {@link #close()}, on the same thread; every step runs in its own
 * scope, so what is timed includes freeing the step's temporaries.
 */
public final class LipRegSteps implements StepRunner {
    static final double LAMBDA = 0.1, EPSILON_TV = 0.01;
    static final double PGD_EPS = 0.1;
    static final int PGD_STEPS = 7;
    static final double LR = 0.01, MOMENTUM = 0.9;

    private final Backend k;
    private final Scope home;
    private final Module model;
    private final Sgd sgd;
    private final Tensor[] xs, ys;
    private final Loss ce = Loss.crossEntropy();
    private final RobustObjective exact, fd2, fd1;
    private final SplittableRandom rng;
    private final String source, modelName;
    private int next;

    public LipRegSteps(Backend backend, BenchData data, long seed) {
        this(backend, data, seed, "fashion-cnn");
    }

    /** {@code model}: a {@link Presets} name; its input shape is {@code data}'s. */
    public LipRegSteps(Backend backend, BenchData data, long seed, String model) {
        this.k = backend;
        this.source = data.source();
        this.modelName = model;
        this.rng = new SplittableRandom(seed);
        this.home = Scope.open();
        try {
            this.model = Presets.spec(model, data.image(), BenchData.CLASSES).build(new Init(backend, seed));
            sgd = new Sgd(this.model.parameters(), LR, MOMENTUM, 0);
            xs = new Tensor[data.count()];
            ys = new Tensor[data.count()];
            for (int b = 0; b < xs.length; b++) {
                xs[b] = backend.fromArray(data.images()[b], Shape.of(data.batch(), data.image()[0], data.image()[1], data.image()[2]));
                ys[b] = Tensor.ofLabels(backend, data.labels()[b]);
            }
        } catch (RuntimeException e) {
            home.close();
            throw e;
        }
        exact = RobustObjective.paper(LAMBDA, EPSILON_TV, Norm.LINF);
        fd2 = exact.withMode(PenaltyMode.finiteDifference());
        fd1 = new RobustObjective(Loss.crossEntropy(), List.of(GradientPenalty.lipschitz(LAMBDA)), PenaltyMode.finiteDifference(),
                GradientTarget.LOSS, null);
    }

    public Backend backend() {
        return k;
    }

    public Module model() {
        return model;
    }

    public String dataSource() {
        return source;
    }

    /** Milliseconds of each of {@code n} steps of {@code mode}. */
    @Override
    public double[] run(Mode mode, int n) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            step(mode);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /** One step of {@code mode} on the next batch, in its own scope. */
    public void step(Mode mode) {
        Tensor x = xs[next % xs.length], y = ys[next % ys.length];
        next++;
        try (Scope step = Scope.open()) {
            switch (mode) {
                case FORWARD -> {
                    try (GradMode.Restore off = GradMode.disabled()) {
                        model.forward(Variable.constant(x));
                    }
                }
                case INPUT_GRADIENT -> inputGradient(x, y);
                case TRAIN -> update(ce.mean(model.forward(Variable.constant(x)), y));
                case EXACT_PENALTY -> update(exact.evaluate(model, x, y).total());
                case FD_PENALTY -> update(fd2.evaluate(model, x, y).total());
                case FD_PENALTY_1DIR -> update(fd1.evaluate(model, x, y).total());
                case PGD7 -> update(ce.mean(model.forward(Variable.constant(pgd(x, y))), y));
            }
        }
    }

    /** ∇ₓ Σ_i ℓ(x_i, y_i): forward, then backward to the input only. */
    Tensor inputGradient(Tensor x, Tensor y) {
        Variable xv = Variable.leaf(x);
        Variable loss = Ops.sum(ce.perExample(model.forward(xv), y));
        return Autograd.grad(loss, xv, false).value();
    }

    private void update(Variable total) {
        sgd.zeroGrad();
        total.backward();
        sgd.step();
        sgd.zeroGrad();
    }

    /**
     * PGD-7 ℓ∞ (Madry): random start in the ε-ball, 7 signed-gradient steps of
     * 2.5·ε/7, each projected onto the ball ∩ [0,1]. Always all 7 steps (training,
     * not evaluation: no early stop). Each iteration's temporaries are freed at once.
     */
    Tensor pgd(Tensor x, Tensor y) {
        double alpha = 2.5 * PGD_EPS / PGD_STEPS;
        Tensor lo = k.affine(x, 1, -PGD_EPS), hi = k.affine(x, 1, PGD_EPS);
        Tensor adv = k.clamp(k.binary(BinaryOp.ADD, x, uniform(x.shape(), PGD_EPS)), 0, 1);
        for (int t = 0; t < PGD_STEPS; t++) {
            try (Scope iteration = Scope.open()) {
                Tensor g = inputGradient(adv, y);
                Tensor moved = k.binary(BinaryOp.ADD, adv, k.affine(k.unary(UnaryOp.SIGN, g), alpha, 0));
                k.copyInto(adv, k.clamp(k.binary(BinaryOp.MIN, k.binary(BinaryOp.MAX, moved, lo), hi), 0, 1));
            }
        }
        return adv;
    }

    private Tensor uniform(Shape shape, double bound) {
        float[] v = new float[shape.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (bound * (2 * rng.nextDouble() - 1));
        return k.fromArray(v, shape);
    }

    @Override
    public long peakKib(boolean reset) {
        if (reset) PeakRss.reset(true); // this JVM also holds the harness: collect its heap first
        return PeakRss.kib();
    }

    /** Parameters (in {@code model.parameters()} order), the first batch, and the exact objective's parameter gradient. */
    @Override
    public double exportCheck(java.nio.file.Path in, java.nio.file.Path out) {
        try (Scope check = Scope.open()) {
            List<float[]> values = new java.util.ArrayList<>(), grads = new java.util.ArrayList<>();
            for (var p : model.parameters().values()) values.add(p.value().toFloatArray());
            long[] labels = ys[0].toLongArray();
            float[] y = new float[labels.length];
            for (int i = 0; i < y.length; i++) y[i] = labels[i];
            values.add(xs[0].toFloatArray());
            values.add(y);
            GradientCheck.writeFloats(in, values.toArray(float[][]::new));
            sgd.zeroGrad();
            Variable total = exact.evaluate(model, xs[0], ys[0]).total();
            double objective = total.item();
            total.backward();
            for (var p : model.parameters().values()) grads.add(p.grad().toFloatArray());
            sgd.zeroGrad();
            GradientCheck.writeFloats(out, grads.toArray(float[][]::new));
            return objective;
        }
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", k.name());
        if (k.name().equals("dnnl")) {
            m.put("onednn", Dnnl.version().toString());
            m.put("isa", Dnnl.effectiveCpuIsa());
            m.put("omp_threads", Dnnl.maxThreads());
            m.put("OMP_NUM_THREADS", System.getenv("OMP_NUM_THREADS"));
        }
        m.put("java", Runtime.version().toString());
        m.put("data", source);
        m.put("batch", xs[0].dim(0));
        m.put("model", modelName);
        return m;
    }

    @Override
    public Roofline.Result sgemm(int n, int reps) {
        return Roofline.sgemm(n, reps);
    }

    @Override
    public void close() {
        home.close();
    }
}
