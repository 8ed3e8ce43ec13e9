package dev.lipreg.tribuo;

import dev.lipreg.tensor.Norm;
import org.junit.jupiter.api.Test;
import org.tribuo.Dataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Tribuo example, verbatim between the markers (checked by ReadmeSyncTest), so it cannot rot. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRuns() throws Exception {
        Dataset<Label> train = Models.SPLIT.train(), test = Models.SPLIT.test();
        Path onnxFile = Files.createTempFile("lipreg-tribuo", ".onnx");
        // README tribuo begin
        LipRegTrainer trainer = LipRegTrainer.builder()
                .hiddenSizes(32, 32)
                .lipschitz(0.03)                        // λ · max‖∇ₓℓ‖₂
                .totalVariation(0.01, Norm.LINF)        // ε · mean‖∇ₓℓ‖₁ (the dual of ℓ∞)
                .adam(1e-2).epochs(20).batchSize(64).seed(1)
                .build();
        LipRegModel model = trainer.train(train);       // provenance records every setting above

        LabelEvaluation evaluation = new LabelEvaluator().evaluate(model, test);
        System.out.println(evaluation);                 // Tribuo's accuracy, F1, confusion matrix

        TabularRobustnessReport robustness = TabularRobustness.evaluate(model, test, TabularRobustness.Settings.defaults());
        System.out.println(TabularRobustnessReport.markdown(robustness));   // error under ℓ∞/ℓ2 PGD, ‖∇ₓℓ‖

        model.saveONNXModel("com.example", 1, onnxFile);                    // runs in ONNX Runtime
        // README tribuo end
        assertTrue(evaluation.accuracy() > 0.9, "accuracy " + evaluation.accuracy());
        assertTrue(robustness.linfErrors()[1] < 0.5, "error at ℓ∞ 0.05: " + robustness.linfErrors()[1]);
        assertTrue(Files.size(onnxFile) > 1000);
        Files.delete(onnxFile);
    }
}
