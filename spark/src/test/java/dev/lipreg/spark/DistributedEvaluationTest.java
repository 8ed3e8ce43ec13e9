package dev.lipreg.spark;

import dev.lipreg.data.Dataset;
import dev.lipreg.eval.AttackSettings;
import dev.lipreg.eval.EvalPart;
import dev.lipreg.eval.EvalReport;
import dev.lipreg.eval.EvalSettings;
import dev.lipreg.eval.Evaluation;
import dev.lipreg.eval.LipschitzUpperBound;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two models, 120 real Fashion-MNIST test images, PGD + DeepFool in ℓ2 and ℓ∞ with certification,
 * on local[2,2] in tasks of one attack batch: the records equal a single-process evaluation's, bit for bit.
 */
class DistributedEvaluationTest {
    static List<Path> models;

    static final EvalSettings SETTINGS = EvalSettings.builder().epsL2(0.5, 1).epsLinf(0.05).attacks("pgd", "deepfool").certify(true)
            .attack(AttackSettings.builder().pgdSteps(3).batch(40).build()).seed(5).build();
    static final EvalJob JOB = new EvalJob("fashion-mnist", TestData.FASHION_MNIST.toString(), 120, SETTINGS, 1, 1);

    @BeforeAll
    static void trainTwoModels() throws Exception {
        TestData.fashionMnist();
        models = List.of(TestModels.shared(0), TestModels.shared(0.1));
    }

    @Test
    void recordsEqualASingleProcessEvaluationThoughATaskWasRetried() {
        // local[2,2]: the first attempt of each model's second slice fails, as if its executor were lost; Spark retries it
        DistributedEvaluation.Result r = DistributedEvaluation.run(TestSpark.context(), models, JOB, slice -> {
            if (slice.first() == 40 && TaskContext.get().attemptNumber() == 0) throw new IllegalStateException("injected: executor lost");
        });
        System.out.print(r.report().markdown());
        EvalReport single = singleProcess();
        for (EvalReport.ModelReport m : single.models()) {
            assertEquals(expectedRecords.get(m.name()).records(), r.records().get(m.name()).records(), m.name() + ": every image's record");
        }
        assertEquals(withoutTimes(single.markdown()), withoutTimes(r.report().markdown()));
        assertEquals(120, r.report().images());
        assertTrue(r.report().models().get(0).errors().get("l2").error()[1] > r.report().models().get(0).cleanError(), "the attacks break images");
    }

    private static final java.util.Map<String, EvalPart> expectedRecords = new java.util.LinkedHashMap<>();

    /** lipreg eval's computation in this thread on the JVM-wide backend: the whole sample as one slice. */
    private static synchronized EvalReport singleProcess() {
        Dataset test = EvalTask.testImages(JOB);
        List<EvalReport.ModelReport> reports = new ArrayList<>();
        for (Path p : models) {
            ModelBytes mb = ModelBytes.read("--checkpoint", p);
            try (Scope scope = Scope.open()) {
                Module m = mb.build(Backends.auto());
                LipschitzUpperBound.Bound bound = Evaluation.bound(m, new int[]{1, 28, 28});
                EvalPart all = Evaluation.run(m, test.images(Backends.auto()), test.labels(Backends.auto()), 0, SETTINGS, bound.value(), null);
                expectedRecords.put(mb.name(), all);
                reports.add(EvalReport.ModelReport.of(mb.name(), mb.checkpoint(), mb.spec().name(), SETTINGS, all, bound, 0));
            }
        }
        return EvalReport.of(test.name(), SETTINGS, reports);
    }

    /** The table without its last column (attack time). */
    static String withoutTimes(String markdown) {
        return markdown.lines().map(l -> l.startsWith("|") ? l.substring(0, l.lastIndexOf(" |", l.length() - 3)) : l)
                .reduce("", (a, b) -> a + b + "\n");
    }
}
