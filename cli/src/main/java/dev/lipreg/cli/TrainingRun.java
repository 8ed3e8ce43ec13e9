package dev.lipreg.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.StepReport;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.regularizers.TrainingListener;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One training run into an output directory, fresh or resumed: loads the
 * data, builds the model and optimizer, trains with {@link Trainer} and
 * checkpoints every epoch (see {@link RunDir}). Used by {@code train} and {@code demo}.
 */
final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final int EVAL_BATCH = 500;

    private Path initialWeights;
    private final TrainSettings settings;
    private final RunDir runDir;
    private final Backend backend;
    private final Path dataDir;
    private final Progress.Factory progress;
    private final PrintWriter out;

    TrainingRun(TrainSettings settings, Path out, Backend backend, Path dataDir, Progress.Factory progress, PrintWriter stdout) {
        this.settings = settings.validate();
        this.runDir = new RunDir(out);
        this.backend = backend;
        this.dataDir = dataDir;
        this.progress = progress;
        this.out = stdout;
    }

    record Result(ModelSpec spec, List<EpochReport> epochs, int firstEpoch, double seconds) {
    }

    /** The data a run trains and evaluates on: seeded subsets, the same on every resume. */
    record Data(Dataset train, Dataset test) {
        static Data load(TrainSettings s, Path dataDir) {
            DataSource src = DataSource.parse("--data", s.data());
            Path dir = dataDir != null ? dataDir : src.defaultDir;
            Dataset train = DataOptions.subset(src.load(dir, Split.TRAIN), s.trainSubset(), s.seed(), "--train-subset");
            Dataset test = DataOptions.subset(src.load(dir, Split.TEST), s.testSubset(), s.seed() + 1, "--test-subset");
            if (test.channels() != train.channels() || test.height() != train.height() || test.width() != train.width()
                    || test.numClasses() != train.numClasses()) {
                throw new BadInputException(s.data() + " in " + dir + ": the test images are " + describe(test) + " but the training images are "
                        + describe(train) + "; both splits must hold images of one size and class count");
            }
            LOG.info("data: {} training and {} test images of {}x{}x{} from {}", train.count(), test.count(), train.channels(),
                    train.height(), train.width(), dir);
            return new Data(train, test);
        }

        private static String describe(Dataset d) {
            return d.channels() + "x" + d.height() + "x" + d.width() + " in " + d.numClasses() + " classes";
        }

        int[] chw() {
            return new int[]{train.channels(), train.height(), train.width()};
        }
    }

    /** Starts a new run from these weights (e.g. an imported ONNX model's) instead of a random initialization. */
    TrainingRun initialWeights(Path weights) {
        this.initialWeights = weights;
        return this;
    }

    Result run(boolean resume, int firstEpoch) {
        return run(resume, firstEpoch, false);
    }

    /**
     * Trains epochs {@code firstEpoch} (the checkpoint's completed count when resuming) to settings.epochs() - 1,
     * holding the directory's {@link RunLock}; {@code resetOptimizer} resumes with a fresh optimizer state.
     */
    Result run(boolean resume, int firstEpoch, boolean resetOptimizer) {
        Data data = Data.load(settings, dataDir);
        ModelSpec spec = resume ? Models.read("--resume", runDir.modelJson()) : Models.resolve("--model", settings.model(), data.chw(),
                data.train().numClasses());
        Models.checkFits(resume ? runDir.modelJson().toString() : "--model", spec, data.chw(), data.train().numClasses());
        RobustObjective objective = settings.objective();
        if (settings.adv() != null) objective = objective.withAdversary(Adversaries.parse("--adv", settings.adv(), settings.norm(), settings.seed()));
        long start = System.nanoTime();
        try (RunLock lock = RunLock.acquire("--out", runDir.dir()); Scope run = Scope.open()) {
            if (!resume && runDir.hasCheckpoint()) {
                throw new BadInputException("--out: " + runDir.dir() + " already holds a training run; pass --resume to continue it or choose another directory");
            }
            Module model = spec.build(new Init(backend, settings.seed()));
            if (!resume && initialWeights != null) RunDir.loadWeights(initialWeights, model);
            Optimizer optimizer = Optimizers.build(settings.optimizer(), model.parameters(), settings.lr(), settings.momentum(),
                    settings.weightDecay());
            ArrayNode history = Json.MAPPER.createArrayNode();
            if (resume) {
                boolean stateful = !settings.optimizer().equalsIgnoreCase("sgd") || settings.momentum() > 0;
                runDir.restore(model, optimizer, resetOptimizer, stateful);
                if (resetOptimizer) out.println("note: --reset-optimizer: resuming with a fresh " + settings.optimizer()
                        + " state; the weights will differ from an uninterrupted run's");
                history = runDir.readHistory(firstEpoch);
            }
            LOG.info("training {} ({} parameters) on {}: {}, {} epochs from epoch {}, backend {}", spec.name(), model.parameterCount(),
                    data.train().name(), objective.describe(), settings.epochs(), firstEpoch + 1, backend.name());
            Trainer trainer = new Trainer(model, objective, optimizer, settings.lrSchedule(), backend,
                    new TrainerConfig(settings.epochs(), settings.batch(), settings.seed(), null, EVAL_BATCH));
            try (Listener listener = new Listener(spec, model, optimizer, history, !resume)) {
                List<EpochReport> reports = trainer.fit(data.train(), data.test(), firstEpoch, listener);
                return new Result(spec, reports, firstEpoch, (System.nanoTime() - start) / 1e9);
            }
        }
    }

    /** Progress per epoch, then a result line, a checkpoint and the history at each epoch's end. */
    private final class Listener implements TrainingListener, AutoCloseable {
        private final ModelSpec spec;
        private final Module model;
        private final Optimizer optimizer;
        private final ArrayNode history;
        private Progress bar;
        private boolean fresh;

        Listener(ModelSpec spec, Module model, Optimizer optimizer, ArrayNode history, boolean fresh) {
            this.fresh = fresh;
            this.spec = spec;
            this.model = model;
            this.optimizer = optimizer;
            this.history = history;
        }

        @Override
        public void onStep(StepReport s) {
            if (bar == null) bar = progress.start(String.format(Locale.ROOT, "epoch %d/%d", s.epoch() + 1, settings.epochs()),
                    s.stepsPerEpoch(), "batch");
            bar.stepTo(s.step() + 1, String.format(Locale.ROOT, "loss %.4f, acc %.1f%%", s.dataLoss(), 100.0 * s.correct() / s.count()));
            if (s.step() + 1 == s.stepsPerEpoch()) close();
        }

        @Override
        public void onEpoch(EpochReport r) {
            close();
            history.add(RunDir.entry(r));
            runDir.save(spec, model, optimizer, r.epoch() + 1, settings, history, fresh);
            fresh = false;
            out.println(describe(r));
            out.flush();
        }

        @Override
        public void close() {
            if (bar != null) bar.close();
            bar = null;
        }
    }

    String describe(EpochReport r) {
        String pen = r.penalties().entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.4g", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "epoch %d/%d: loss %.4f%s, max ‖∇ₓℓ‖₂ %.3g, train acc %.2f%%, test acc %.2f%%, lr %.3g, %s",
                r.epoch() + 1, settings.epochs(), r.trainLoss(), pen.isEmpty() ? "" : " (" + pen + ")", r.maxGradL2(),
                100 * r.trainAccuracy(), 100 * r.testAccuracy(), r.learningRate(), Progress.duration(r.seconds()));
    }
}
