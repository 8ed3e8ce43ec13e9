package dev.lipreg.djl;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.DeepFool;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.djl.engine.TinyRun;
import dev.lipreg.eval.DistanceReport;
import dev.lipreg.eval.GradientNorms;
import dev.lipreg.eval.Robustness;
import dev.lipreg.nn.Loss;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples of README.md and docs/djl.md, kept compiling and running here. */
class DjlReadmeExampleTest {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void servingALipRegRunWithDjl(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not installed");
        Path runDir = Files.createDirectory(tmp.resolve("fashion"));
        Dataset test = FashionMnist.load(DATA, Split.TEST).sample(1, 9);
        try (Scope s = Scope.open()) {
            TinyRun.train(FashionMnist.load(DATA, Split.TRAIN).sample(256, 3), Backends.auto(), runDir);
        }
        BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 784; i++) png.getRaster().setSample(i % 28, i / 28, 0, Math.round(test.image(0)[i] * 255));
        Path shirt = tmp.resolve("item.png");
        ImageIO.write(png, "png", shirt.toFile());

        Classifications result = serve(runDir, shirt);
        assertTrue(FashionMnist.CLASS_NAMES.contains(result.best().getClassName()));
        assertEquals(1.0, result.getProbabilities().stream().mapToDouble(Double::doubleValue).sum(), 1e-5);
    }

    // README djl-serve begin
    /** Classifies an image file with a `lipreg train` run directory (or its checkpoint) served by DJL. */
    static Classifications serve(Path runDir, Path image) throws Exception {
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(runDir)
                .optEngine("LipReg")
                .optTranslator(ImageClassificationTranslator.builder()
                        .optFlag(Image.Flag.GRAYSCALE)
                        .addTransform(new ToTensor())
                        .optSynset(FashionMnist.CLASS_NAMES)
                        .optApplySoftmax(true)
                        .build())
                .build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
             Predictor<Image, Classifications> predictor = model.newPredictor()) {
            Classifications result = predictor.predict(ImageFactory.getInstance().fromFile(image));
            System.out.println(result.best());
            return result;
        }
    }
    // README djl-serve end

    @Test
    void attackingADjlModelWithLipReg() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "real Fashion-MNIST not installed");
        Dataset test = FashionMnist.load(DATA, Split.TEST).sample(16, 5);
        try (Model model = DjlModels.trainedMlp(FashionMnist.load(DATA, Split.TRAIN).sample(256, 1), 10, 64)) {
            double[] figures = attack(model, test);
            assertTrue(figures[0] > 0.5 && figures[2] > 0, java.util.Arrays.toString(figures));
        }
    }

    // README djl-attack begin
    /**
     * Attacks any DJL model on the PyTorch engine whose block maps [N,1,28,28] images to logits;
     * returns the PGD-ℓ∞ error, DeepFool's median ℓ2 distance and the largest ‖∇ₓℓ‖₂.
     */
    static double[] attack(Model model, Dataset test) {
        Backend backend = Backends.auto();
        try (Scope scope = Scope.open()) {
            DjlClassifier net = DjlClassifier.of(model);
            Tensor x = test.images(backend), y = test.labels(backend);
            AttackResult pgd = Pgd.linf(0.1, 10).run(net, x, y);
            DistanceReport deepFool = Robustness.minimalDistances(net, x, y, DeepFool.of(Norm.L2), Norm.L2, 64, null);
            GradientNorms.Report grads = GradientNorms.of(net, x, y, Loss.crossEntropy(), 64, null);
            double[] figures = {pgd.successRate(), deepFool.median(), grads.maxL2()};
            System.out.printf("PGD-ℓ∞(0.1) error %.2f, DeepFool median ℓ2 %.3f, max ‖∇ₓℓ‖₂ %.3f%n", figures[0], figures[1], figures[2]);
            return figures;
        }
    }
    // README djl-attack end

}
