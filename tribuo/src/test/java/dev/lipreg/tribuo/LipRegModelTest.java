package dev.lipreg.tribuo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LipRegModelTest {

    @Test
    void predictionsCarryProbabilitiesWhoseArgmaxIsTheLabel() {
        List<Prediction<Label>> ps = Models.penalized().predict(Models.SPLIT.test());
        assertEquals(Models.SPLIT.test().size(), ps.size());
        for (Prediction<Label> p : ps) {
            assertTrue(p.hasProbabilities());
            double sum = p.getOutputScores().values().stream().mapToDouble(Label::getScore).sum();
            assertEquals(1, sum, 1e-9);
            double max = p.getOutputScores().values().stream().mapToDouble(Label::getScore).max().orElseThrow();
            assertEquals(max, p.getOutput().getScore());
            assertEquals(30, p.getNumActiveFeatures());
        }
        Example<Label> one = Models.SPLIT.test().getExample(0);
        assertEquals(ps.get(0).getOutputScores(), Models.penalized().predict(one).getOutputScores(), "single and batched prediction agree");
    }

    @Test
    void javaSerializationRoundTripsPredictionsAndProvenance() throws Exception {
        LipRegModel m = Models.penalized();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        Object back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = in.readObject();
        }
        assertSamePredictions(m, assertInstanceOf(LipRegModel.class, back));
    }

    @Test
    void tribuoProtobufRoundTripsPredictionsAndProvenance(@TempDir Path dir) throws Exception {
        LipRegModel m = Models.penalized();
        Path file = dir.resolve("model.tribuo");
        m.serializeToFile(file);
        Model<?> back = Model.deserializeFromFile(file);
        assertSamePredictions(m, assertInstanceOf(LipRegModel.class, back));
    }

    private static void assertSamePredictions(LipRegModel expected, LipRegModel actual) {
        assertEquals(expected.getProvenance(), actual.getProvenance());
        assertEquals(expected.featureScaling(), actual.featureScaling());
        assertEquals(expected.modelSpecJson(), actual.modelSpecJson());
        List<Prediction<Label>> a = expected.predict(Models.SPLIT.test()), b = actual.predict(Models.SPLIT.test());
        for (int i = 0; i < a.size(); i++) assertEquals(a.get(i).getOutputScores(), b.get(i).getOutputScores());
    }

    @Test
    void anExampleWithNoKnownFeatureIsRejected() {
        Example<Label> stranger = new ArrayExample<>(new Label("benign"), new String[]{"shoe size"}, new double[]{42});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.plain().predict(stranger));
        assertTrue(e.getMessage().startsWith("No features found in Example"), e.getMessage());
    }
}
