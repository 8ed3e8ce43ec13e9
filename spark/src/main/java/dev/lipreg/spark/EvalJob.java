package dev.lipreg.spark;

import dev.lipreg.eval.EvalSettings;

import java.io.Serializable;

/**
 * A distributed evaluation's data and partitioning; {@code settings} are those of
 * {@code lipreg eval} (budgets, attacks, certification, attack effort, seed).
 * The test images are the same seeded sample as {@code lipreg eval --test-subset N --seed S}
 * takes, with S = {@code settings.seed()}.
 *
 * @param data            the dataset's name: fashion-mnist, mnist, cifar10 or cifar100
 * @param dataDir         dataset directory, readable at this path on every executor
 * @param testSubset      test images (0 = the whole test split)
 * @param settings        what to measure, as {@code lipreg eval}'s options
 * @param taskThreads     OpenMP threads of each task (match {@code spark.task.cpus})
 * @param batchesPerTask  attack batches ({@code settings.attack().batch()} images) per task; 0 = spread the
 *                        images evenly over the cluster's default parallelism
 */
public record EvalJob(String data, String dataDir, int testSubset, EvalSettings settings, int taskThreads, int batchesPerTask)
        implements Serializable {

    void validate() {
        DataSet.parse("--data", data);
        if (testSubset < 0) throw new BadSettingException("--test-subset: expected a count >= 0 (0 = all), got " + testSubset);
        if (taskThreads < 1) throw new BadSettingException("--task-threads: expected a count >= 1, got " + taskThreads);
        if (batchesPerTask < 0) throw new BadSettingException("--batches-per-task: expected a count >= 0 (0 = automatic), got " + batchesPerTask);
        if (settings == null) throw new BadSettingException("evaluation settings missing");
    }
}
