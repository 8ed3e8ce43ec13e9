package dev.lipreg.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.Split;
import dev.lipreg.eval.AttackSettings;
import dev.lipreg.eval.EvalPart;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.Evaluation;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sweep point on an executor: trains a model with the library's {@link Trainer},
 * evaluates it with the library's {@link Evaluation} (clean error, error under PGD at
 * each ε of its norm; see {@link #evalSettings}) and publishes
 * {@code OUT/runs/NAME/} with {@code model.json}, {@code checkpoint.safetensors} (the
 * weights; {@code lipreg eval --checkpoint OUT/runs/NAME} reads it), {@code history.json}
 * (one entry per epoch) and {@code result.json}. Same settings, same bits: the run
 * depends on its seed and thread count only, so a retried task rewrites the same run.
 */
final class SweepTask {
    static final String MODEL = "model.json", CHECKPOINT = "checkpoint.safetensors", HISTORY = "history.json", RESULT = "result.json";
    static final String FORMAT = "lipreg-sweep-1";
    private static final int EVAL_BATCH = 500;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepTask() {
    }

    static Path runDir(SweepSettings s, SweepPoint p) {
        return Path.of(s.out(), "runs", p.name());
    }

    static SweepResult run(SweepSettings s, SweepPoint p, int attempt) {
        DataSet source = DataSet.parse("--data", s.data());
        Dataset train = subset(source.load(Path.of(s.dataDir()), Split.TRAIN), s.trainSubset(), s.seed());
        Dataset test = subset(source.load(Path.of(s.dataDir()), Split.TEST), s.testSubset(), s.seed() + 1);
        Path target = runDir(s, p), staged = RunDirectory.staging(target);
        try (TaskBackend tb = TaskBackend.open(s.taskThreads()); Scope scope = Scope.open()) {
            Backend b = tb.backend();
            ModelSpec spec = Presets.spec(s.model(), new int[]{train.channels(), train.height(), train.width()}, train.numClasses());
            Module model = spec.build(new Init(b, s.seed()));
            Sgd sgd = new Sgd(model.parameters(), s.lr(), s.momentum(), 0);
            long t0 = System.nanoTime();
            List<EpochReport> history = new Trainer(model, p.objective(), sgd, LrSchedule.constant(s.lr()), b,
                    new TrainerConfig(s.epochs(), s.batch(), s.seed(), null, EVAL_BATCH)).fit(train, test);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            model.eval();
            long t1 = System.nanoTime();
            EvalSettings es = evalSettings(s, p);
            EvalPart all = Evaluation.run(model, test.images(b), test.labels(b), 0, es, Double.NaN, null);
            EvalReport.ModelReport report = EvalReport.ModelReport.of(p.name(), target.resolve(CHECKPOINT).toString(), spec.name(), es, all, null,
                    (System.nanoTime() - t1) / 1e9);
            EpochReport last = history.getLast();
            SweepResult r = new SweepResult(p, target.toString(), test.count(), report.cleanError(), s.epsilons(p.norm()).clone(),
                    report.errors().get(p.norm().label()).error(), last.trainLoss(), last.maxGradL2(), trainSeconds, report.seconds(), attempt);
            write(staged, spec, model, s, p, history, r);
            RunDirectory.publish(staged, target);
            return r;
        } finally {
            RunDirectory.delete(staged); // only left when something failed before publish
        }
    }

    /**
     * The evaluation of a run: PGD in the run's norm at its budgets, no certification. The same as
     * {@code lipreg eval --attacks pgd --no-certify --test-subset N --seed S+1} with the sweep's budgets, steps and batch
     * (the test sample is {@code lipreg train}'s, seeded S + 1, and the attacks take the same seed).
     */
    static EvalSettings evalSettings(SweepSettings s, SweepPoint p) {
        double[] eps = s.epsilons(p.norm()), none = new double[0];
        return EvalSettings.builder().epsL2(p.norm() == Norm.L2 ? eps : none).epsLinf(p.norm() == Norm.LINF ? eps : none).attacks("pgd")
                .certify(false).seed(s.seed() + 1).attack(AttackSettings.builder().pgdSteps(s.pgdSteps()).batch(s.attackBatch()).build()).build();
    }

    /** As {@code lipreg train --train-subset/--test-subset}: a fixed seeded sample, all when n is 0 or too large. */
    static Dataset subset(Dataset d, int n, long seed) {
        return n == 0 || n >= d.count() ? d : d.sample(n, seed);
    }

    private static void write(Path dir, ModelSpec spec, Module model, SweepSettings s, SweepPoint p, List<EpochReport> history, SweepResult r) {
        try {
            Files.writeString(dir.resolve(MODEL), spec.toJson() + "\n", StandardCharsets.UTF_8);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put("model", spec.name());
            meta.put("point", JSON.writeValueAsString(p));
            meta.put("settings", JSON.writeValueAsString(s));
            meta.put("epochs_completed", Integer.toString(history.size()));
            Checkpoint.save(dir.resolve(CHECKPOINT), model, meta);
            JSON.writeValue(dir.resolve(HISTORY).toFile(), history);
            JSON.writeValue(dir.resolve(RESULT).toFile(), r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run " + p.name() + " into " + dir + ": " + e.getMessage(), e);
        }
    }
}
