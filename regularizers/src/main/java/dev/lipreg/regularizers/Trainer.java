package dev.lipreg.regularizers;

import dev.lipreg.data.Batch;
import dev.lipreg.data.Batcher;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.nn.Parameter;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Epochs of minibatch training of a {@link RobustObjective}: seeded shuffling,
 * the optimizer and learning-rate schedule, per-epoch evaluation, and a report
 * of the loss, each penalty, the input-gradient norms, accuracy and time.
 * Every step runs in its own {@link Scope}, so memory stays flat. A NaN or
 * infinite loss or gradient stops training with {@link TrainingDivergedException}.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(net, RobustObjective.paper(0.1, 0.01, Norm.LINF))
 *         .optimizer(Sgd.builder().lr(0.05).momentum(0.9).build(net.parameters()))
 *         .config(TrainerConfig.builder().epochs(1).batchSize(128).seed(7).build())
 *         .build();
 * List<EpochReport> history = trainer.fit(train, test);
 * }</pre>
 */
public final class Trainer {
    private final Module model;
    private final RobustObjective objective;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final Backend backend;
    private final TrainerConfig config;

    /**
     * Every part given; prefer {@link #builder}, whose schedule defaults to the optimizer's learning rate.
     *
     * @param model     the model to train
     * @param objective the objective to minimize
     * @param optimizer the optimizer of the model's parameters
     * @param schedule  the learning rate per epoch
     * @param backend   where the batches go
     * @param config    epochs, batch size, seed, augmentation
     */
    public Trainer(Module model, RobustObjective objective, Optimizer optimizer, LrSchedule schedule, Backend backend, TrainerConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.objective = Objects.requireNonNull(objective, "objective");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * A trainer of {@code model} on {@code objective}; the optimizer is required, the rest defaults:
     * a constant schedule at the optimizer's learning rate, the backend of the model's parameters,
     * {@code TrainerConfig.builder().build()}.
     *
     * @param model     the model to train
     * @param objective the objective to minimize
     * @return a builder
     */
    public static Builder builder(Module model, RobustObjective objective) {
        return new Builder(model, objective);
    }

    /**
     * {@link #fit(Dataset, Dataset, int, TrainingListener)} from epoch 0 without a listener.
     *
     * @param train the training set
     * @param test  the test set, or null
     * @return one report per epoch
     */
    public List<EpochReport> fit(Dataset train, Dataset test) {
        return fit(train, test, 0, TrainingListener.NONE);
    }

    /**
     * Trains every epoch from {@code firstEpoch} (0 for a fresh run, later to resume) to {@code config.epochs() - 1}.
     *
     * @param train      the training set
     * @param test       the test set, or null
     * @param firstEpoch the epoch to start from (when resuming)
     * @param listener   the callbacks, or {@link TrainingListener#NONE}
     * @return one report per epoch trained
     */
    public List<EpochReport> fit(Dataset train, Dataset test, int firstEpoch, TrainingListener listener) {
        if (firstEpoch < 0 || firstEpoch > config.epochs()) {
            throw new IllegalArgumentException("first epoch " + firstEpoch + " outside [0, " + config.epochs() + "]");
        }
        Batcher batcher = new Batcher(train, config.batchSize(), true, config.seed());
        if (config.augmentation() != null) batcher = batcher.withAugmentation(config.augmentation());
        List<EpochReport> reports = new ArrayList<>();
        for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
            EpochReport r = epoch(batcher, epoch, test, listener);
            reports.add(r);
            listener.onEpoch(r);
        }
        return reports;
    }

    private EpochReport epoch(Batcher batcher, int epoch, Dataset test, TrainingListener listener) {
        long start = System.nanoTime();
        double lr = schedule.at(epoch);
        optimizer.setLearningRate(lr);
        model.train(true);
        EpochTotals totals = new EpochTotals();
        int step = 0, steps = batcher.batchesPerEpoch();
        for (Batch b : batcher.epoch(epoch)) {
            try (Scope scope = Scope.open()) {
                StepValues v = objective.evaluate(model, b.images(backend), b.labels(backend));
                double total = v.total().item();
                if (!Double.isFinite(total)) {
                    throw new TrainingDivergedException(epoch, step, "objective is " + total + " (data loss " + v.dataLoss()
                            + ", penalties " + v.penalties() + ")");
                }
                optimizer.zeroGrad();
                v.total().backward();
                checkGradients(epoch, step);
                optimizer.step();
                optimizer.zeroGrad();
                totals.add(v);
                listener.onStep(new StepReport(epoch, step, steps, lr, v.dataLoss(), v.penalties(), max(v.gradL2()), v.correct(), v.count()));
            }
            step++;
        }
        CleanMetrics held = test == null ? null : CleanMetrics.of(model, objective.loss(), test, backend, config.evalBatchSize());
        return totals.report(epoch, lr, held, (System.nanoTime() - start) / 1e9);
    }

    /** Named parts of a {@link Trainer}. */
    public static final class Builder {
        private final Module model;
        private final RobustObjective objective;
        private Optimizer optimizer;
        private LrSchedule schedule;
        private Backend backend;
        private TrainerConfig config = TrainerConfig.builder().build();

        private Builder(Module model, RobustObjective objective) {
            this.model = Objects.requireNonNull(model, "model");
            this.objective = Objects.requireNonNull(objective, "objective");
        }

        /**
         * The optimizer of the model's parameters (required).
         *
         * @param optimizer the optimizer
         * @return this builder
         */
        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /**
         * Learning rate per epoch; default: constant at the optimizer's learning rate.
         *
         * @param schedule the schedule
         * @return this builder
         */
        public Builder schedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /**
         * Where the batches go; default: the backend of the model's first parameter.
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        /**
         * Epochs, batch size, seed, augmentation; default {@code TrainerConfig.builder().build()}.
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder config(TrainerConfig config) {
            this.config = config;
            return this;
        }

        /** {@return the trainer; throws when the optimizer is missing or the model has no parameter to infer the backend from} */
        public Trainer build() {
            if (optimizer == null) throw new IllegalArgumentException("Trainer: an optimizer is required (Trainer.builder(...).optimizer(...))");
            Backend b = backend;
            if (b == null) {
                Parameter first = model.parameters().values().stream().findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "Trainer: the model has no parameters to take the backend from; call backend(...)"));
                b = first.value().backend();
            }
            double lr = optimizer.learningRate();
            return new Trainer(model, objective, optimizer, schedule == null ? LrSchedule.constant(lr) : schedule, b, config);
        }
    }

    private void checkGradients(int epoch, int step) {
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            Tensor g = e.getValue().grad();
            if (g == null) continue;
            double m = g.backend().reduce(ReduceOp.NORM_LINF, g, new int[0], false).item();
            if (!Double.isFinite(m)) throw new TrainingDivergedException(epoch, step, "gradient of " + e.getKey() + " has non-finite values");
        }
    }

    private static double max(double[] v) {
        double m = 0;
        for (double d : v) m = Math.max(m, d);
        return m;
    }

    /** Running sums over an epoch's steps. */
    private static final class EpochTotals {
        double loss, gradL2Sum, gradL2Max, dualSum, dualMax;
        long examples, correct;
        int batches;
        final Map<String, Double> penalties = new LinkedHashMap<>();

        void add(StepValues v) {
            batches++;
            examples += v.count();
            correct += v.correct();
            loss += v.dataLoss() * v.count();
            v.penalties().forEach((k, x) -> penalties.merge(k, x, Double::sum));
            for (double g : v.gradL2()) {
                gradL2Sum += g;
                gradL2Max = Math.max(gradL2Max, g);
            }
            for (double g : v.gradDual()) {
                dualSum += g;
                dualMax = Math.max(dualMax, g);
            }
        }

        EpochReport report(int epoch, double lr, CleanMetrics test, double seconds) {
            Map<String, Double> means = new LinkedHashMap<>();
            penalties.forEach((k, x) -> means.put(k, x / batches));
            return new EpochReport(epoch, lr, loss / examples, means, gradL2Max, gradL2Sum / examples, dualMax, dualSum / examples,
                    (double) correct / examples, test == null ? Double.NaN : test.loss(), test == null ? Double.NaN : test.accuracy(), seconds);
        }
    }
}
