package dev.lipreg.spark;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.Split;
import dev.lipreg.eval.EvalPart;
import dev.lipreg.eval.Evaluation;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * One task of a distributed evaluation on an executor: whole attack batches
 * [first, first + count) of the test sample, evaluated on a resident copy of the
 * model ({@link ResidentModels}), sent back as per-image records.
 */
final class EvalTask {
    private EvalTask() {
    }

    /**
     * Which model and which images a task evaluates.
     *
     * @param model index of the model in the job's list
     * @param first index of the slice's first test image, a multiple of the attack batch size
     * @param count images in the slice
     */
    record Slice(int model, int first, int count) implements Serializable {
    }

    /**
     * A slice's records, tagged with its model.
     *
     * @param model index of the model in the job's list
     * @param part  the slice's per-image records
     */
    record Result(int model, EvalPart part) implements Serializable {
    }

    static Result run(EvalJob job, ModelBytes model, double lipschitz, Slice slice) {
        Dataset test = testImages(job).subset(slice.first(), slice.first() + slice.count());
        ResidentModels.Copy copy = ResidentModels.borrow(model, job.taskThreads());
        try {
            TaskBackend.useThreads(job.taskThreads());
            Backend b = copy.backend;
            try (Scope scope = Scope.open()) {
                EvalPart part = Evaluation.run(copy.module, test.images(b), test.labels(b), slice.first(), job.settings(), lipschitz, null);
                return new Result(slice.model(), part);
            }
        } finally {
            ResidentModels.release(copy);
        }
    }

    /** The seeded sample {@code lipreg eval} takes: all test images when the subset is 0 or not smaller. */
    static Dataset testImages(EvalJob job) {
        Dataset all = DataSet.parse("--data", job.data()).load(Path.of(job.dataDir()), Split.TEST);
        return SweepTask.subset(all, job.testSubset(), job.settings().seed());
    }
}
