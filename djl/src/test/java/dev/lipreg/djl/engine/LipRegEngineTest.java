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
import dev.lipreg.djl.DjlClassifier;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Module;
import dev.lipreg.onnx.OnnxExport;
import dev.lipreg.onnx.OnnxModel;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fashion-cnn trained by LipReg, served by DJL through the "LipReg" engine from its run directory or
 * exported as ONNX, classifies as LipReg does.
 */
class LipRegEngineTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final int N = 64;
    @TempDir
    static Path runDir;
    static Dataset test;
    /** LipReg's own softmax probabilities [N*10] on the test images. */
    static float[] lipregProbabilities;
    @TempDir
    static Path onnxDir;
    /** The same fashion-cnn written by LipReg's ONNX export. */
    static Path onnxFile;

    @BeforeAll
    static void trainATinyFashionCnn() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not installed at " + DATA);
        Dataset train = FashionMnist.load(DATA, Split.TRAIN).sample(256, 3);
        test = FashionMnist.load(DATA, Split.TEST).sample(N, 4);
        Backend backend = Backends.auto();
        try (Scope model = Scope.open()) {
            Module net = TinyRun.train(train, backend, runDir);
            try (GradMode.Restore off = GradMode.disabled()) {
                Tensor x = Tensor.of(backend, test.images(), N, 1, 28, 28);
                Tensor logits = net.forward(Variable.constant(x)).value();
                lipregProbabilities = softmax(logits.toFloatArray());
            }
            onnxFile = onnxDir.resolve("fashion-cnn.onnx");
            OnnxExport.write(net, new int[]{1, 28, 28}, onnxFile);
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
    void anOnnxFileIsServedAsLipRegsImportComputesIt() throws Exception {
        float[] imported;
        try (Scope scope = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            Backend backend = Backends.auto();
            OnnxModel m = OnnxModel.load(onnxFile, backend);
            imported = softmax(m.forward(Variable.constant(Tensor.of(backend, test.images(), N, 1, 28, 28))).value().toFloatArray());
        }
        assertArrayEquals(lipregProbabilities, imported, 1e-4f, "the export computes the trained net");
        for (Path path : List.of(onnxFile, onnxDir)) {
            Criteria<Image, Classifications> c = path == onnxDir
                    ? Criteria.builder().setTypes(Image.class, Classifications.class).optModelPath(onnxDir).optModelName("fashion-cnn")
                    .optEngine("LipReg").optTranslator(translator()).build()
                    : criteria(path);
            try (ZooModel<Image, Classifications> model = c.loadModel();
                 Predictor<Image, Classifications> predictor = model.newPredictor()) {
                assertEquals("LipReg", model.getNDManager().getEngine().getEngineName());
                List<Classifications> results = predictor.batchPredict(images(test));
                for (int i = 0; i < N; i++) {
                    int expected = argmax(imported, i);
                    assertEquals(FashionMnist.CLASS_NAMES.get(expected), results.get(i).best().getClassName(), "image " + i + " from " + path);
                    for (int k = 0; k < 10; k++) {
                        String name = FashionMnist.CLASS_NAMES.get(k);
                        assertEquals(imported[i * 10 + k], results.get(i).get(name).getProbability(), 1e-6, "p(" + name + ") of image " + i);
                    }
                }
            }
        }
    }

    @Test
    void aMalformedOnnxFileIsRefusedWithTheImportsMessage(@TempDir Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(onnxFile);
        Path truncated = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(bytes, bytes.length / 2));
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> criteria(truncated).loadModel());
        assertTrue(e.getMessage().startsWith("truncated.onnx: not a valid ONNX model file"), e.getMessage());

        ModelProto model = ModelProto.parseFrom(bytes);
        ModelProto lstm = model.toBuilder().setGraph(model.getGraph().toBuilder().setNode(0, model.getGraph().getNode(0).toBuilder().setOpType("LSTM"))).build();
        Path unsupported = Files.write(dir.resolve("lstm.onnx"), lstm.toByteArray());
        e = assertThrows(MalformedModelException.class, () -> criteria(unsupported).loadModel());
        assertTrue(e.getMessage().startsWith("lstm.onnx: node 0") && e.getMessage().contains("op 'LSTM' is not supported"), e.getMessage());
    }

    /** The onnx module's committed MLP fixture takes feature vectors, which the image engine refuses by its shape. */
    @Test
    void anOnnxModelThatTakesNoImagesIsRefused() {
        Path mlp = Path.of("../onnx/src/test/resources/dev/lipreg/onnx/tiny_mlp.onnx");
        Assumptions.assumeTrue(Files.isRegularFile(mlp), "the onnx module's fixture is not at " + mlp.toAbsolutePath());
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> criteria(mlp).loadModel());
        assertTrue(e.getMessage().startsWith("tiny_mlp.onnx: expected an input of images [N, C, H, W] with fixed C, H and W, found ["), e.getMessage());
    }

    @Test
    void whatIsNotARunDirectoryIsRefusedClearly(@TempDir Path empty) {
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> criteria(empty).loadModel());
        assertTrue(e.getMessage().contains("expected a LipReg run directory holding checkpoint.safetensors"), e.getMessage());
    }

    @Test
    void theBackendOptionReachesLipReg() {
        Criteria<Image, Classifications> c = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(runDir).optEngine("LipReg").optOption("backend", "abacus").optTranslator(translator()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::loadModel);
        assertTrue(e.getMessage().startsWith("model option backend: ") && e.getMessage().contains("'abacus'"), e.getMessage());
    }

    @Test
    void aLipRegServedModelIsNoDjlClassifierTarget() throws Exception {
        try (ZooModel<Image, Classifications> model = criteria(runDir).loadModel()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DjlClassifier.of(model));
            assertTrue(e.getMessage().startsWith("engine LipReg computes no gradients"), e.getMessage());
        }
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
