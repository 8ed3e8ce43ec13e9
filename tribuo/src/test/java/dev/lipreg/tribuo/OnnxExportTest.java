package dev.lipreg.tribuo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exported models run in ONNX Runtime and give Tribuo's scores. */
class OnnxExportTest {

    @Test
    void penalizedMlpRunsInOnnxRuntimeWithEqualScores(@TempDir Path dir) throws Exception {
        assertOnnxMatches(Models.penalized(), dir.resolve("mlp.onnx"));
    }

    @Test
    void everyExportableActivationMatches(@TempDir Path dir) throws Exception {
        String spec = """
                {"name": "activations", "input": [1, 1, 30], "classes": 2, "layers": [
                  {"type": "flatten"}, {"type": "linear", "in": 30, "out": 12}, {"type": "tanh"},
                  {"type": "linear", "in": 12, "out": 12}, {"type": "leaky_relu", "slope": 0.2},
                  {"type": "linear", "in": 12, "out": 12}, {"type": "elu", "alpha": 0.5},
                  {"type": "linear", "in": 12, "out": 12}, {"type": "softplus"},
                  {"type": "linear", "in": 12, "out": 12, "bias": 0}, {"type": "sigmoid"}, {"type": "dropout", "p": 0.1},
                  {"type": "linear", "in": 12, "out": 2}]}""";
        assertOnnxMatches(Models.base().modelSpec(spec).epochs(1).build().train(Models.SPLIT.train()), dir.resolve("act.onnx"));
    }

    private static void assertOnnxMatches(LipRegModel model, Path file) throws Exception {
        model.saveONNXModel("dev.lipreg.test", 1, file);
        List<Example<Label>> examples = Models.SPLIT.test().getData();
        int n = examples.size(), f = model.getFeatureIDMap().size();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            double[] d = DenseFeatures.of(examples.get(i), model.getFeatureIDMap()).values();
            rows[i] = new float[f];
            for (int j = 0; j < f; j++) rows[i][j] = (float) d[j];
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, rows);
             OrtSession.Result result = session.run(Map.of("input", input))) {
            String provenance = session.getMetadata().getCustomMetadata().get(ONNXExportable.PROVENANCE_METADATA_FIELD);
            assertTrue(provenance != null && !provenance.isEmpty(), "the export carries Tribuo's provenance");
            float[][] scores = (float[][]) result.get(0).getValue();
            List<Prediction<Label>> predictions = model.predict(examples);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < model.getOutputIDInfo().size(); c++) {
                    String label = model.getOutputIDInfo().getOutput(c).getLabel();
                    assertEquals(predictions.get(i).getOutputScores().get(label).getScore(), scores[i][c], 1e-5,
                            "example " + i + ", label " + label);
                }
            }
        }
    }
}
