package dev.lipreg.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import dev.lipreg.nn.Adam;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.regularizers.PenaltyMode;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.regularizers.TrainingListener;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * A Tribuo {@link org.tribuo.Trainer} of Lipschitz-regularized classifiers:
 * an MLP (or any LipReg {@link ModelSpec} on [1, 1, features] inputs) trained on
 * cross-entropy plus the papers' input-gradient penalties — Lipschitz
 * λ·max‖∇ₓℓ‖₂, total variation ε·mean‖∇ₓℓ‖_*, squared (λ/2)·mean‖∇ₓℓ‖_*² —
 * evaluated exactly (double backprop) or by finite differences, with SGD, Adam
 * or AdamW. Features are min-max scaled to [0,1] with the training set's range
 * ({@link FeatureScaling}); the penalties and the robustness reports work in
 * that space.
 *
 * <p>Every hyperparameter is a {@link Config} field, so Tribuo's provenance
 * records it and a configuration file can set it. Seeds follow Tribuo's
 * trainers: the n-th {@code train} call of a trainer built with seed s gives the
 * same model as the n-th call of any other trainer built with s, and
 * {@code train(data, provenance, n)} reproduces it directly.
 */
public final class LipRegTrainer implements org.tribuo.Trainer<Label> {
    private static final Logger LOG = Logger.getLogger(LipRegTrainer.class.getName());

    /** The optimizers LipReg offers. */
    public enum OptimizerKind {
        /** SGD with momentum. */
        SGD,
        /** Adam. */
        ADAM,
        /** AdamW: Adam with decoupled weight decay. */
        ADAMW
    }

    @Config(description = "Hidden layer widths of the MLP (ignored when modelSpec is set).")
    private int[] hiddenSizes = {64, 64};
    @Config(description = "Hidden activation: relu, leaky_relu, elu, softplus, tanh or sigmoid.")
    private String activation = "relu";
    @Config(description = "A LipReg model spec (JSON) with input [1, 1, features]; replaces hiddenSizes and activation when set.")
    private String modelSpec = "";
    @Config(description = "Lipschitz penalty weight λ on max_i ||grad_x loss_i||_2 (0 = off).")
    private double lipschitz = 0;
    @Config(description = "Total-variation penalty weight ε on mean_i ||grad_x loss_i||_* (0 = off).")
    private double totalVariation = 0;
    @Config(description = "Squared penalty weight λ on (1/2) mean_i ||grad_x loss_i||_*^2 (0 = off).")
    private double squared = 0;
    @Config(description = "Attack norm whose dual the TV and squared penalties use: L2 or LINF (dual L1).")
    private Norm attackNorm = Norm.LINF;
    @Config(description = "Estimate the penalized gradient norms by finite differences instead of double backprop.")
    private boolean finiteDifference = false;
    @Config(description = "Finite-difference step h (used when finiteDifference is true).")
    private double finiteDifferenceStep = 0.01;
    @Config(description = "Penalize the gradient of the logit margin instead of the loss.")
    private boolean penalizeMargin = false;
    @Config(description = "Optimizer: SGD, ADAM or ADAMW.")
    private OptimizerKind optimizer = OptimizerKind.ADAM;
    @Config(description = "Learning rate.")
    private double learningRate = 1e-3;
    @Config(description = "SGD momentum (SGD only).")
    private double momentum = 0.9;
    @Config(description = "Weight decay (L2 for SGD and ADAM, decoupled for ADAMW).")
    private double weightDecay = 0;
    @Config(description = "Anneal the learning rate to 0 with a cosine schedule instead of keeping it constant.")
    private boolean cosineSchedule = false;
    @Config(description = "Number of passes over the training data.")
    private int epochs = 100;
    @Config(description = "Minibatch size.")
    private int batchSize = 32;
    @Config(description = "Seed of initialization and shuffling.")
    private long seed = org.tribuo.Trainer.DEFAULT_SEED;
    @Config(description = "LipReg backend: auto (oneDNN when it loads), dnnl or reference.")
    private String backend = "auto";

    private SplittableRandom rng;
    private int invocationCount = 0;

    /** For OLCUT's configuration system; use {@link #builder()}. */
    private LipRegTrainer() {
    }

    /**
     * A builder with the defaults of the {@link Config} fields.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized void postConfig() {
        check(hiddenSizes != null && Arrays.stream(hiddenSizes).allMatch(h -> h >= 1), "hiddenSizes must be widths >= 1, got "
                + Arrays.toString(hiddenSizes));
        check(modelSpec != null && activation != null && backend != null, "modelSpec, activation and backend must not be null");
        check(List.of("relu", "leaky_relu", "elu", "softplus", "tanh", "sigmoid").contains(activation),
                "activation must be relu, leaky_relu, elu, softplus, tanh or sigmoid, got '" + activation + "'");
        if (!modelSpec.isBlank()) ModelSpec.parse(modelSpec); // fails early, with the spec's own message
        checkWeight(lipschitz, "lipschitz");
        checkWeight(totalVariation, "totalVariation");
        checkWeight(squared, "squared");
        check(attackNorm == Norm.L2 || attackNorm == Norm.LINF, "attackNorm must be L2 or LINF, got " + attackNorm);
        check(finiteDifferenceStep > 0 && Double.isFinite(finiteDifferenceStep), "finiteDifferenceStep must be > 0, got " + finiteDifferenceStep);
        check(optimizer != null, "optimizer must be SGD, ADAM or ADAMW");
        check(learningRate > 0 && Double.isFinite(learningRate), "learningRate must be > 0, got " + learningRate);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        checkWeight(weightDecay, "weightDecay");
        check(epochs >= 1, "epochs must be >= 1, got " + epochs);
        check(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
        check(List.of("auto", "dnnl", "onednn", "reference", "ref").contains(backend.toLowerCase(Locale.ROOT)),
                "backend must be auto, dnnl or reference, got '" + backend + "'");
        rng = new SplittableRandom(seed);
        invocationCount = 0;
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("LipRegTrainer: " + message);
    }

    private static void checkWeight(double w, String name) {
        check(w >= 0 && Double.isFinite(w), name + " must be a finite number >= 0, got " + w);
    }

    @Override
    public LipRegModel train(Dataset<Label> examples) {
        return train(examples, Map.of());
    }

    @Override
    public LipRegModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    @Override
    public LipRegModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        long runSeed;
        TrainerProvenance provenance;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) setInvocationCount(invocationCount);
            runSeed = rng.split().nextLong();
            provenance = getProvenance();
            this.invocationCount++;
        }
        if (examples.size() == 0) throw new IllegalArgumentException("LipRegTrainer: the training dataset is empty");
        ImmutableFeatureMap features = examples.getFeatureIDMap();
        ImmutableOutputInfo<Label> labels = examples.getOutputIDInfo();
        if (labels.size() < 2) throw new IllegalArgumentException("LipRegTrainer: the training data must hold >= 2 labels, found " + labels.size());
        if (features.size() < 1) throw new IllegalArgumentException("LipRegTrainer: the training data has no features");

        int n = examples.size(), f = features.size();
        double[][] rows = new double[n][];
        int[] y = new int[n];
        int i = 0;
        for (Example<Label> ex : examples) {
            rows[i] = DenseFeatures.of(ex, features).values();
            y[i] = labels.getID(ex.getOutput());
            if (y[i] < 0) throw new IllegalArgumentException("LipRegTrainer: training example " + i + " has label '"
                    + ex.getOutput().getLabel() + "', which is not in the dataset's label domain");
            i++;
        }
        FeatureScaling scaling = FeatureScaling.fit(rows, f);
        float[] x = new float[n * f];
        for (int r = 0; r < n; r++) System.arraycopy(scaling.apply(rows[r]), 0, x, r * f, f);
        var data = new dev.lipreg.data.Dataset(x, y, n, 1, 1, f, labels.size(), "tribuo");

        ModelSpec spec = spec(f, labels.size());
        Backend b = Backends.byName(backend);
        NetworkState state;
        try (Scope s = Scope.open()) {
            Module net = spec.build(new Init(b, DType.FLOAT32, Init.Scheme.PYTORCH_DEFAULT, runSeed));
            Trainer trainer = new Trainer(net, objective(), optimizer(net), schedule(), b, new TrainerConfig(epochs, batchSize, runSeed, null, 500));
            List<EpochReport> history = trainer.fit(data, null, 0, TrainingListener.NONE);
            EpochReport last = history.get(history.size() - 1);
            LOG.fine(() -> String.format(Locale.ROOT, "trained %s for %d epochs: loss %.4f, accuracy %.4f, max ||grad||_2 %.4g",
                    objective().describe(), epochs, last.trainLoss(), last.trainAccuracy(), last.maxGradL2()));
            net.eval();
            state = NetworkState.of(spec, net);
        }
        ModelProvenance mp = new ModelProvenance(LipRegModel.class.getName(), OffsetDateTime.now(), examples.getProvenance(), provenance, runProvenance);
        return new LipRegModel("lipreg-" + spec.name(), mp, features, labels, scaling, state, backend);
    }

    /** The network for {@code features} inputs and {@code classes} outputs. */
    ModelSpec spec(int features, int classes) {
        if (!modelSpec.isBlank()) {
            ModelSpec s = ModelSpec.parse(modelSpec);
            if (!Arrays.equals(s.input(), new int[]{1, 1, features}) || s.classes() != classes) {
                throw new IllegalArgumentException("LipRegTrainer: modelSpec must have input [1, 1, " + features + "] and " + classes
                        + " classes for this dataset, got input " + Arrays.toString(s.input()) + " and " + s.classes() + " classes");
            }
            return s;
        }
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(LayerSpec.of("flatten"));
        int in = features;
        for (int h : hiddenSizes) {
            layers.add(LayerSpec.of("linear", "in", in, "out", h));
            layers.add(LayerSpec.of(activation));
            in = h;
        }
        layers.add(LayerSpec.of("linear", "in", in, "out", classes));
        return new ModelSpec("mlp", new int[]{1, 1, features}, classes, layers);
    }

    /**
     * Cross-entropy plus the configured penalties.
     *
     * @return the objective this trainer minimizes
     */
    public RobustObjective objective() {
        List<GradientPenalty> penalties = new ArrayList<>();
        if (lipschitz > 0) penalties.add(GradientPenalty.lipschitz(lipschitz));
        if (totalVariation > 0) penalties.add(GradientPenalty.totalVariation(totalVariation, attackNorm));
        if (squared > 0) penalties.add(GradientPenalty.squared(squared, attackNorm));
        PenaltyMode mode = finiteDifference ? new PenaltyMode.FiniteDifference(finiteDifferenceStep) : PenaltyMode.exact();
        return new RobustObjective(Loss.crossEntropy(), penalties, mode, penalizeMargin ? GradientTarget.MARGIN : GradientTarget.LOSS, null);
    }

    private Optimizer optimizer(Module net) {
        return switch (optimizer) {
            case SGD -> new Sgd(net.parameters(), learningRate, momentum, weightDecay);
            case ADAM -> new Adam(net.parameters(), learningRate, 0.9, 0.999, 1e-8, weightDecay, false);
            case ADAMW -> new Adam(net.parameters(), learningRate, 0.9, 0.999, 1e-8, weightDecay, true);
        };
    }

    private LrSchedule schedule() {
        return cosineSchedule ? LrSchedule.cosine(learningRate, epochs, 0) : LrSchedule.constant(learningRate);
    }

    /** A trainer with the same settings and a fresh invocation count. */
    private LipRegTrainer copy() {
        LipRegTrainer c = new LipRegTrainer();
        c.hiddenSizes = hiddenSizes.clone();
        c.activation = activation;
        c.modelSpec = modelSpec;
        c.lipschitz = lipschitz;
        c.totalVariation = totalVariation;
        c.squared = squared;
        c.attackNorm = attackNorm;
        c.finiteDifference = finiteDifference;
        c.finiteDifferenceStep = finiteDifferenceStep;
        c.penalizeMargin = penalizeMargin;
        c.optimizer = optimizer;
        c.learningRate = learningRate;
        c.momentum = momentum;
        c.weightDecay = weightDecay;
        c.cosineSchedule = cosineSchedule;
        c.epochs = epochs;
        c.batchSize = batchSize;
        c.seed = seed;
        c.backend = backend;
        return c;
    }

    @Override
    public synchronized int getInvocationCount() {
        return invocationCount;
    }

    @Override
    public synchronized void setInvocationCount(int count) {
        if (count < 0) throw new IllegalArgumentException("invocation count must be >= 0, got " + count);
        rng = new SplittableRandom(seed);
        for (int c = 0; c < count; c++) rng.split();
        invocationCount = count;
    }

    @Override
    public TrainerProvenance getProvenance() {
        return new TrainerProvenanceImpl(this);
    }

    @Override
    public String toString() {
        return "LipRegTrainer(" + (modelSpec.isBlank() ? "mlp " + Arrays.toString(hiddenSizes) + " " + activation : "model spec")
                + ", " + objective().describe() + ", " + optimizer + " lr=" + learningRate + ", epochs=" + epochs
                + ", batch=" + batchSize + ", seed=" + seed + ")";
    }

    /** Fluent construction; every setter maps to the {@link Config} field of the same name. */
    public static final class Builder {
        private final LipRegTrainer t = new LipRegTrainer();

        /** A builder with the defaults; {@link LipRegTrainer#builder()} is the usual way to get one. */
        public Builder() {
        }

        /**
         * Hidden layer widths of the MLP (ignored when a model spec is set).
         *
         * @param sizes the widths, in order
         * @return this builder
         */
        public Builder hiddenSizes(int... sizes) {
            t.hiddenSizes = sizes == null ? null : sizes.clone();
            return this;
        }

        /**
         * The MLP's hidden activation.
         *
         * @param name relu, leaky_relu, elu, softplus, tanh or sigmoid
         * @return this builder
         */
        public Builder activation(String name) {
            t.activation = name;
            return this;
        }

        /**
         * A LipReg model spec (JSON) with input [1, 1, features]; replaces the MLP.
         *
         * @param json the spec
         * @return this builder
         */
        public Builder modelSpec(String json) {
            t.modelSpec = json;
            return this;
        }

        /**
         * Lipschitz penalty weight λ on max_i ‖∇ₓℓ_i‖₂ (0 = off).
         *
         * @param lambda the weight
         * @return this builder
         */
        public Builder lipschitz(double lambda) {
            t.lipschitz = lambda;
            return this;
        }

        /**
         * TV weight ε with the dual of {@code attackNorm} (LINF → ℓ1).
         *
         * @param epsilon    the weight
         * @param attackNorm L2 or LINF
         * @return this builder
         */
        public Builder totalVariation(double epsilon, Norm attackNorm) {
            t.totalVariation = epsilon;
            t.attackNorm = attackNorm;
            return this;
        }

        /**
         * Squared penalty weight λ on ½ mean_i ‖∇ₓℓ_i‖*², with the dual of {@code attackNorm}.
         *
         * @param lambda     the weight
         * @param attackNorm L2 or LINF
         * @return this builder
         */
        public Builder squared(double lambda, Norm attackNorm) {
            t.squared = lambda;
            t.attackNorm = attackNorm;
            return this;
        }

        /**
         * Estimates the penalized gradient norms by finite differences of step {@code h} instead of double backprop.
         *
         * @param h the step
         * @return this builder
         */
        public Builder finiteDifference(double h) {
            t.finiteDifference = true;
            t.finiteDifferenceStep = h;
            return this;
        }

        /**
         * Penalizes the gradient of the logit margin instead of the loss.
         *
         * @param on whether to
         * @return this builder
         */
        public Builder penalizeMargin(boolean on) {
            t.penalizeMargin = on;
            return this;
        }

        /**
         * SGD with momentum.
         *
         * @param lr       the learning rate
         * @param momentum the momentum
         * @return this builder
         */
        public Builder sgd(double lr, double momentum) {
            t.optimizer = OptimizerKind.SGD;
            t.learningRate = lr;
            t.momentum = momentum;
            return this;
        }

        /**
         * Adam.
         *
         * @param lr the learning rate
         * @return this builder
         */
        public Builder adam(double lr) {
            t.optimizer = OptimizerKind.ADAM;
            t.learningRate = lr;
            return this;
        }

        /**
         * AdamW (decoupled weight decay).
         *
         * @param lr          the learning rate
         * @param weightDecay the decoupled weight decay
         * @return this builder
         */
        public Builder adamW(double lr, double weightDecay) {
            t.optimizer = OptimizerKind.ADAMW;
            t.learningRate = lr;
            t.weightDecay = weightDecay;
            return this;
        }

        /**
         * Weight decay (L2 for SGD and Adam, decoupled for AdamW).
         *
         * @param w the decay
         * @return this builder
         */
        public Builder weightDecay(double w) {
            t.weightDecay = w;
            return this;
        }

        /**
         * Anneals the learning rate to 0 with a cosine schedule instead of keeping it constant.
         *
         * @param on whether to
         * @return this builder
         */
        public Builder cosineSchedule(boolean on) {
            t.cosineSchedule = on;
            return this;
        }

        /**
         * The number of passes over the training data.
         *
         * @param n the epochs
         * @return this builder
         */
        public Builder epochs(int n) {
            t.epochs = n;
            return this;
        }

        /**
         * The minibatch size.
         *
         * @param n examples per batch
         * @return this builder
         */
        public Builder batchSize(int n) {
            t.batchSize = n;
            return this;
        }

        /**
         * The seed of initialization and shuffling.
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            t.seed = s;
            return this;
        }

        /**
         * The LipReg backend.
         *
         * @param name auto (oneDNN when it loads), dnnl or reference
         * @return this builder
         */
        public Builder backend(String name) {
            t.backend = name;
            return this;
        }

        /**
         * Validates every setting (one-line message naming the bad one) and returns a new trainer; the builder stays reusable.
         *
         * @return the trainer
         */
        public LipRegTrainer build() {
            LipRegTrainer out = t.copy();
            out.postConfig();
            return out;
        }
    }
}
