package dev.lipreg.djl.engine;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Adam;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.regularizers.TrainingListener;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.io.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fashion-cnn trained by LipReg, served by DJL through the "LipReg" engine, classifies as LipReg does. */
class LipRegEngineTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final int N = 64;
    @TempDir
    static Path runDir;
    static Dataset test;
    /** LipReg's own softmax probabilities [N*10] on the test images. */
    static float[] lipregProbabilities;

    @BeforeAll
    static void trainATinyFashionCnn() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not installed at " + DATA);
        Dataset train = FashionMnist.load(DATA, Split.TRAIN).sample(256, 3);
        test = FashionMnist.load(DATA, Split.TEST).sample(N, 4);
        Backend backend = Backends.auto();
        try (Scope model = Scope.open()) {
            ModelSpec spec = Presets.fashionCnn(new int[]{1, 28, 28}, 10);
            Module net = spec.build(new Init(backend, 5));
            Adam adam = Adam.adam(net.parameters(), 1e-3);
            new Trainer(net, RobustObjective.plain(Loss.crossEntropy()), adam, LrSchedule.constant(1e-3), backend, TrainerConfig.of(1, 16, 5))
                    .fit(train, null, 0, TrainingListener.NONE);
            // what `lipreg train` leaves: the spec and a checkpoint that also holds optimizer state
            Files.writeString(runDir.resolve(LipRegRun.MODEL), spec.toJson());
            SafeTensors.write(runDir.resolve(LipRegRun.CHECKPOINT), Checkpoint.trainingState(net, adam), Map.of("epoch", "1"));
            net.eval();
            try (GradMode.Restore off = GradMode.disabled()) {
                Tensor x = Tensor.of(backend, test.images(), N, 1, 28, 28);
                Tensor logits = net.forward(Variable.constant(x)).value();
                lipregProbabilities = softmax(logits.toFloatArray());
            }
        }
    }

    private static float[] softmax(float[] logits) {
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length / 10; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int k = 0; k < 10; k++) max = Math.max(max, logits[i * 10 + k]);
            for (int k = 0; k < 10; k++) sum += Math.exp(logits[i * 10 + k] - max);
            for (int k = 0; k < 10; k++) p[i * 10 + k] = (float) (Math.exp(logits[i * 10 + k] - max) / sum);
        }
        return p;
    }

    private static int argmax(float[] p, int i) {
        int top = 0;
        for (int k = 1; k < 10; k++) if (p[i * 10 + k] > p[i * 10 + top]) top = k;
        return top;
    }

    /** Fashion-MNIST images as DJL images: 8-bit grey, as they are stored. */
    static List<Image> images(Dataset d) {
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < d.count(); i++) {
            float[] px = d.image(i);
            int[] argb = new int[px.length];
            for (int j = 0; j < px.length; j++) {
                int v = Math.round(px[j] * 255);
                argb[j] = 0xFF000000 | v << 16 | v << 8 | v;
            }
            out.add(ImageFactory.getInstance().fromPixels(argb, d.width(), d.height()));
        }
        return out;
    }

    static Translator<Image, Classifications> translator() {
        return ImageClassificationTranslator.builder()
                .optFlag(Image.Flag.GRAYSCALE)
                .addTransform(new ToTensor())
                .optSynset(FashionMnist.CLASS_NAMES)
                .optApplySoftmax(true)
                .build();
    }

    private static Criteria<Image, Classifications> criteria(Path modelPath) {
        return Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(modelPath)
                .optEngine("LipReg")
                .optTranslator(translator())
                .build();
    }

    @Test
    void aDjlPredictorClassifiesAsLipRegDoes() throws Exception {
        for (Path path : List.of(runDir, runDir.resolve(LipRegRun.CHECKPOINT))) {
            try (ZooModel<Image, Classifications> model = criteria(path).loadModel();
                 Predictor<Image, Classifications> predictor = model.newPredictor()) {
                assertEquals("LipReg", model.getNDManager().getEngine().getEngineName());
                List<Classifications> results = predictor.batchPredict(images(test));
                int correct = 0;
                for (int i = 0; i < N; i++) {
                    Classifications.Classification best = results.get(i).best();
                    int expected = argmax(lipregProbabilities, i);
                    assertEquals(FashionMnist.CLASS_NAMES.get(expected), best.getClassName(), "image " + i + " from " + path);
                    assertEquals(lipregProbabilities[i * 10 + expected], best.getProbability(), 1e-6, "probability of image " + i);
                    if (expected == test.label(i)) correct++;
                }
                assertTrue(correct > N / 2, "one epoch on 256 images learns something: " + correct + "/" + N);
            }
        }
    }

    @Test
    void whatIsNotARunDirectoryIsRefusedClearly(@TempDir Path empty) {
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> criteria(empty).loadModel());
        assertTrue(e.getMessage().contains("expected a LipReg run directory holding checkpoint.safetensors"), e.getMessage());
    }

    @Test
    void arrayWorkRunsOnTheAlternativeEngine() {
        Engine lipreg = Engine.getEngine("LipReg");
        assertEquals("PyTorch", lipreg.getAlternativeEngine().getEngineName());
        try (NDManager m = lipreg.newBaseManager()) {
            NDArray a = m.create(new float[]{1, 2, 3, 4}, new Shape(2, 2));
            assertTrue(a instanceof LipRegNDArray);
            NDArray sum = a.add(1).softmax(1);
            float e = (float) (1 / (1 + Math.exp(1)));
            assertArrayEquals(new float[]{e, 1 - e, e, 1 - e}, sum.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void withoutAnAlternativeEngineOperationsAreRefusedByName() {
        try (NDManager m = Engine.getEngine("LipReg").newBaseManager()) {
            LipRegNDArray a = new LipRegNDArray((LipRegNDManager) m, LipRegNDManager.Refusal.INSTANCE,
                    m.allocateDirect(16), new Shape(2, 2), DataType.FLOAT32);
            assertArrayEquals(new float[4], a.toFloatArray());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> a.softmax(1));
            assertTrue(e.getMessage().startsWith("the LipReg engine does not implement softmax"), e.getMessage());
        }
    }
}
