package dev.lipreg.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import org.tribuo.provenance.TrainerProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import dev.lipreg.tensor.Norm;
import org.junit.jupiter.api.Test;
import org.tribuo.classification.evaluation.LabelEvaluator;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LipRegTrainerTest {

    private static float[] firstWeights(LipRegModel m) {
        return m.network().values("1.weight");
    }

    @Test
    void sameSeedGivesTheSameModelAndInvocationCountsReplayLaterRuns() {
        LipRegTrainer.Builder quick = Models.base().epochs(2).lipschitz(0.01).seed(5);
        LipRegTrainer first = quick.build();
        LipRegModel a = first.train(Models.SPLIT.train());
        LipRegModel aSecondCall = first.train(Models.SPLIT.train());
        LipRegModel b = Models.base().epochs(2).lipschitz(0.01).seed(5).build().train(Models.SPLIT.train());
        LipRegModel replayed = Models.base().epochs(2).lipschitz(0.01).seed(5).build().train(Models.SPLIT.train(), Map.of(), 1);
        LipRegModel otherSeed = Models.base().epochs(2).lipschitz(0.01).seed(6).build().train(Models.SPLIT.train());

        assertArrayEquals(firstWeights(a), firstWeights(b), "same seed, first call: identical weights");
        assertArrayEquals(firstWeights(aSecondCall), firstWeights(replayed), "train(data, prov, 1) replays the second call");
        assertFalse(Arrays.equals(firstWeights(a), firstWeights(aSecondCall)), "a trainer's second call draws a new seed, as Tribuo's do");
        assertFalse(Arrays.equals(firstWeights(a), firstWeights(otherSeed)));
        assertEquals(2, first.getInvocationCount());
    }

    @Test
    void provenanceRecordsEveryHyperparameter() {
        LipRegModel m = Models.penalized();
        Map<String, Provenance> recorded = m.getProvenance().getTrainerProvenance().getConfiguredParameters();
        for (Field f : LipRegTrainer.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(Config.class)) assertTrue(recorded.containsKey(f.getName()), "provenance lacks " + f.getName());
        }
        assertEquals("0.03", recorded.get("lipschitz").toString());
        assertEquals("0.01", recorded.get("totalVariation").toString());
        assertEquals("LINF", recorded.get("attackNorm").toString());
        assertEquals("ADAM", recorded.get("optimizer").toString());
        assertEquals("20", recorded.get("epochs").toString());
        assertEquals("1", recorded.get("seed").toString());
        assertTrue(recorded.get("hiddenSizes").toString().contains("32"), recorded.get("hiddenSizes").toString());
        assertEquals(LipRegModel.class.getName(), m.getProvenance().getClassName());
        assertEquals(Models.SPLIT.train().getProvenance(), m.getProvenance().getDatasetProvenance());
    }

    /** Tribuo's reproducibility path: the trainer rebuilt from a model's provenance trains the same model. */
    @Test
    void aTrainerRebuiltFromProvenanceReproducesTheModel() {
        LipRegTrainer original = Models.base().epochs(2).lipschitz(0.02).totalVariation(0.01, Norm.L2).seed(9).build();
        original.train(Models.SPLIT.train());
        LipRegModel second = original.train(Models.SPLIT.train()); // invocation 1: the count must be replayed too

        TrainerProvenance tp = second.getProvenance().getTrainerProvenance();
        ConfigurationManager cm = new ConfigurationManager();
        cm.addConfiguration(ProvenanceUtil.extractConfiguration(tp));
        LipRegTrainer rebuilt = (LipRegTrainer) cm.lookup(ProvenanceUtil.computeName(tp, 0));
        LipRegModel again = rebuilt.train(Models.SPLIT.train(), Map.of(), ((IntProvenance) tp.getInstanceValues().get(TrainerProvenance.TRAIN_INVOCATION_COUNT)).getValue());

        assertArrayEquals(firstWeights(second), firstWeights(again));
        assertArrayEquals(second.network().values("5.bias"), again.network().values("5.bias"));
        assertEquals(tp.getConfiguredParameters(), again.getProvenance().getTrainerProvenance().getConfiguredParameters());
    }

    @Test
    void aBuilderBuildsIndependentTrainers() {
        LipRegTrainer.Builder b = LipRegTrainer.builder().lipschitz(0.1);
        LipRegTrainer first = b.build();
        b.lipschitz(0.5).build();
        assertEquals("0.1", first.getProvenance().getConfiguredParameters().get("lipschitz").toString());
    }

    @Test
    void trainedModelsClassifyTheHeldOutPatients() {
        double plain = new LabelEvaluator().evaluate(Models.plain(), Models.SPLIT.test()).accuracy();
        double penalized = new LabelEvaluator().evaluate(Models.penalized(), Models.SPLIT.test()).accuracy();
        assertTrue(plain > 0.94, "plain MLP accuracy " + plain);
        assertTrue(penalized > 0.9, "penalized MLP accuracy " + penalized);
    }

    @Test
    void aModelSpecReplacesTheMlp() {
        String spec = """
                {"name": "tabular-tanh", "input": [1, 1, 30], "classes": 2, "layers": [
                  {"type": "flatten"}, {"type": "linear", "in": 30, "out": 16}, {"type": "tanh"},
                  {"type": "linear", "in": 16, "out": 2}]}""";
        LipRegModel m = Models.base().modelSpec(spec).epochs(3).squared(0.01, Norm.L2).finiteDifference(0.01).build().train(Models.SPLIT.train());
        assertEquals("lipreg-tabular-tanh", m.getName());
        assertArrayEquals(new int[]{16, 30}, m.network().shapes().get("1.weight"));
        assertTrue(new LabelEvaluator().evaluate(m, Models.SPLIT.test()).accuracy() > 0.8);
    }

    @Test
    void badSettingsAreRejectedWithMessagesNamingThem() {
        assertMessage("lipschitz must be a finite number >= 0", () -> LipRegTrainer.builder().lipschitz(-1).build());
        assertMessage("activation must be relu", () -> LipRegTrainer.builder().activation("swish").build());
        assertMessage("hiddenSizes must be widths >= 1", () -> LipRegTrainer.builder().hiddenSizes(8, 0).build());
        assertMessage("attackNorm must be L2 or LINF", () -> LipRegTrainer.builder().totalVariation(0.1, Norm.L1).build());
        assertMessage("backend must be auto, dnnl or reference", () -> LipRegTrainer.builder().backend("tpu").build());
        String wrongInput = """
                {"input": [1, 1, 4], "classes": 2, "layers": [{"type": "flatten"}, {"type": "linear", "in": 4, "out": 2}]}""";
        assertMessage("modelSpec must have input [1, 1, 30] and 2 classes",
                () -> LipRegTrainer.builder().modelSpec(wrongInput).epochs(1).build().train(Models.SPLIT.train()));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(expected), x.getMessage());
        assertFalse(x.getMessage().contains("\n"), "one line: " + x.getMessage());
    }
}
