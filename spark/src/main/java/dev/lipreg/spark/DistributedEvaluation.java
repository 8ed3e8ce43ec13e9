package dev.lipreg.spark;

import dev.lipreg.data.Dataset;
import dev.lipreg.eval.EvalPart;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.Evaluation;
import dev.lipreg.eval.LipschitzUpperBound;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report of {@code lipreg eval}, computed on Spark: the driver reads and checks
 * each model (and computes its Lipschitz bound once), broadcasts the checkpoint bytes,
 * splits the test images into tasks of whole attack batches, and merges the per-image
 * records the executors send back ({@link EvalPart#concat}, exact medians). Because
 * attacks are seeded per batch, the records equal a single-process evaluation's.
 *
 * <pre>{@code
 * EvalSettings settings = EvalSettings.builder().attacks("pgd", "deepfool").seed(0).build();
 * EvalJob job = new EvalJob("fashion-mnist", "/usr/share/datasets/fashion-mnist", 1000, settings, 1, 0);
 * DistributedEvaluation.Result r = DistributedEvaluation.run(sparkContext, List.of(Path.of("runs/a"), Path.of("runs/b")), job);
 * System.out.print(r.report().markdown());
 * }</pre>
 */
public final class DistributedEvaluation {
    private DistributedEvaluation() {
    }

    /**
     * The report and, per model name, every image's records.
     *
     * @param report  the report {@code lipreg eval} would print for these models
     * @param records per model name in the report, the records of all test images
     */
    public record Result(EvalReport report, Map<String, EvalPart> records) {
    }

    /**
     * Evaluates every model on the job's test images. A bad checkpoint, settings or dataset is a
     * {@link BadSettingException} before any task; a task failing every attempt a {@link JobFailedException}.
     *
     * @param sc          the Spark context the tasks run in
     * @param checkpoints the models' run directories or checkpoint files, readable on the driver
     * @param job         the data, settings and partitioning
     * @return the merged report and records
     * @throws BadSettingException if a checkpoint, setting or the dataset cannot work
     * @throws JobFailedException  if a task fails every attempt Spark allows
     */
    public static Result run(JavaSparkContext sc, List<Path> checkpoints, EvalJob job) {
        return run(sc, checkpoints, job, slice -> { });
    }

    /** Runs before each task attempt on the executor (tests inject failures here). */
    interface TaskHook extends java.io.Serializable {
        void before(EvalTask.Slice slice);
    }

    static Result run(JavaSparkContext sc, List<Path> checkpoints, EvalJob job, TaskHook hook) {
        job.validate();
        if (checkpoints.isEmpty()) throw new BadSettingException("--checkpoint: expected at least one model");
        DataSet source = DataSet.parse("--data", job.data());
        source.check("--data-dir", Path.of(job.dataDir()));
        Dataset test = EvalTask.testImages(job);
        int[] chw = {test.channels(), test.height(), test.width()};
        List<ModelBytes> models = new ArrayList<>();
        double[] bounds = new double[checkpoints.size()];
        List<LipschitzUpperBound.Bound> driverBounds = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            ModelBytes m = ModelBytes.read("--checkpoint", checkpoints.get(i));
            m = m.named(unique(m.name(), names));
            LipschitzUpperBound.Bound b = check(m, chw, test.numClasses(), job);
            bounds[i] = b == null ? Double.NaN : b.value();
            driverBounds.add(b);
            models.add(m);
        }
        List<EvalTask.Slice> slices = slices(test.count(), job, models.size(), sc.defaultParallelism());
        List<Broadcast<ModelBytes>> shared = models.stream().map(sc::broadcast).toList();
        long start = System.nanoTime();
        List<EvalTask.Result> results = Failures.job("evaluation", () -> sc.parallelize(slices, slices.size())
                .map(s -> {
                    hook.before(s);
                    return EvalTask.run(job, shared.get(s.model()).value(), bounds[s.model()], s);
                }).collect());
        double seconds = (System.nanoTime() - start) / 1e9;
        shared.forEach(Broadcast::destroy);
        List<EvalReport.ModelReport> reports = new ArrayList<>();
        Map<String, EvalPart> records = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            int k = i;
            EvalPart all = EvalPart.concat(results.stream().filter(r -> r.model() == k).map(EvalTask.Result::part).toList());
            ModelBytes m = models.get(i);
            reports.add(EvalReport.ModelReport.of(m.name(), m.checkpoint(), m.spec().name(), job.settings(), all, driverBounds.get(i), seconds));
            records.put(m.name(), all);
        }
        return new Result(EvalReport.of(test.name(), job.settings(), reports), records);
    }

    /**
     * Loads the model on the driver — a checkpoint that does not fit its spec or the data fails here, once —
     * and computes its Lipschitz bound when certifying (null otherwise).
     */
    private static LipschitzUpperBound.Bound check(ModelBytes m, int[] chw, int classes, EvalJob job) {
        ModelSpec spec;
        try {
            spec = m.spec();
        } catch (RuntimeException e) {
            throw new BadSettingException("--checkpoint: " + m.checkpoint() + ": bad model spec: " + Failures.message(e), e);
        }
        if (!Arrays.equals(spec.input(), chw) || spec.classes() != classes) {
            throw new BadSettingException("--checkpoint: model '" + spec.name() + "' of " + m.checkpoint() + " takes " + Arrays.toString(spec.input())
                    + " images and " + spec.classes() + " classes, but " + job.data() + " has " + Arrays.toString(chw) + " images and " + classes + " classes");
        }
        try (Scope scope = Scope.open()) {
            Module model;
            try {
                model = m.build(Backends.auto());
            } catch (IllegalArgumentException e) { // names the checkpoint and what is wrong with it
                throw new BadSettingException("--checkpoint: " + e.getMessage(), e);
            }
            return job.settings().certify() ? Evaluation.bound(model, chw) : null;
        }
    }

    /** Tasks of whole attack batches, per model; each starts at a multiple of the batch size. */
    static List<EvalTask.Slice> slices(int images, EvalJob job, int models, int parallelism) {
        int batch = job.settings().attack().batch();
        int batches = (images + batch - 1) / batch;
        int per = job.batchesPerTask() > 0 ? job.batchesPerTask()
                : Math.max(1, (int) Math.ceil((double) batches * models / Math.max(1, parallelism)));
        List<EvalTask.Slice> slices = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            for (int first = 0; first < images; first += per * batch) slices.add(new EvalTask.Slice(m, first, Math.min(per * batch, images - first)));
        }
        return slices;
    }

    /** Two runs may share a directory name (a/run, b/run): keep report names apart, as lipreg eval does. */
    private static String unique(String name, Set<String> taken) {
        String n = name;
        for (int k = 2; taken.contains(n); k++) n = name + "-" + k;
        taken.add(n);
        return n;
    }
}
