package dev.lipreg.cli;

import dev.lipreg.eval.EvalPart;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.Evaluation;
import dev.lipreg.eval.ImageRecord;
import dev.lipreg.eval.LipschitzUpperBound;
import dev.lipreg.nn.Module;
import dev.lipreg.onnx.OnnxException;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.tensor.Backend;

/**
 * Runs the library's {@link Evaluation} (docs/evaluation.md) on one model for
 * {@code eval} and {@code demo}, with a progress display per measurement, and
 * bounds imported ONNX graphs through their LipReg layers.
 */
final class Evaluator {

    /** The report and the per-image gradient norms the histogram needs. */
    record Result(EvalReport.ModelReport report, double[] gradL2) {
    }

    private final EvalSettings settings;
    private final Progress.Factory progress;

    Evaluator(EvalSettings settings, Progress.Factory progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Evaluates a model taking images of shape {@code input} [C,H,W] (a LipReg spec or an imported ONNX graph). */
    Result evaluate(String name, String checkpoint, String modelName, int[] input, Module model, TestImages test, Backend backend) {
        long start = System.nanoTime();
        LipschitzUpperBound.Bound bound = settings.certify() ? bound(model, input, backend) : null;
        EvalPart all = Evaluation.run(model, test.images(), test.labels(), 0, settings, bound == null ? Double.NaN : bound.value(),
                (task, total) -> {
                    Progress p = progress.start(name + " " + task, total, "img");
                    return new Evaluation.Task() {
                        @Override
                        public void update(long done, long all1) {
                            p.stepTo(done, "");
                        }

                        @Override
                        public void close() {
                            p.close();
                        }
                    };
                });
        EvalReport.ModelReport r = EvalReport.ModelReport.of(name, checkpoint, modelName, settings, all, bound, (System.nanoTime() - start) / 1e9);
        return new Result(r, all.records().stream().mapToDouble(ImageRecord::gradL2).toArray());
    }

    /** An imported graph is bounded through its LipReg layers (same function, same weights). */
    private static LipschitzUpperBound.Bound bound(Module model, int[] input, Backend backend) {
        if (!(model instanceof OnnxModel onnx)) return Evaluation.bound(model, input);
        try {
            return Evaluation.bound(onnx.toNative().build(backend), input);
        } catch (OnnxException e) {
            throw new BadInputException("--certify: no Lipschitz bound for " + onnx.name() + ": " + e.getMessage()
                    + "; pass --no-certify to evaluate it without certification", e);
        }
    }
}
