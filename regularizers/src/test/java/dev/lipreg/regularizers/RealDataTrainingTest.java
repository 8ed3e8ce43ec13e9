package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.eval.GradientNorms;
import dev.lipreg.eval.Progress;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's claim on a small scale: on a fixed 2,000-image subset of real
 * Fashion-MNIST, the Lipschitz + TV penalty (λ = 0.1) lowers the largest
 * input-gradient norm on held-out images against λ = 0, at similar accuracy.
 */
class RealDataTrainingTest {
    private static final Logger LOG = LoggerFactory.getLogger(RealDataTrainingTest.class);
    private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
    private static Dataset train, heldOut;

    @BeforeAll
    static void load() throws IOException {
        Assumptions.assumeTrue(Files.exists(DIR.resolve("train-images-idx3-ubyte.gz")),
                "real Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        train = FashionMnist.load(DIR, Split.TRAIN).sample(2000, 11);
        heldOut = FashionMnist.load(DIR, Split.TEST).sample(500, 12);
    }

    private record Outcome(double accuracy, double maxGrad, double meanGrad) {
    }

    private Outcome train(RobustObjective objective, Backend backend) {
        try (Scope model = Scope.open()) {
            Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(backend, 3));
            Trainer t = new Trainer(net, objective, new Sgd(net.parameters(), 0.05, 0.9, 0), LrSchedule.constant(0.05), backend,
                    TrainerConfig.of(4, 64, 21));
            List<EpochReport> r = t.fit(train, heldOut, 0, TrainingListener.NONE);
            net.eval();
            Tensor x = backend.fromArray(heldOut.images(), Shape.of(heldOut.count(), 1, 28, 28));
            GradientNorms.Report g = GradientNorms.of(net, x, Tensor.ofLabels(backend, heldOut.labels()), Loss.crossEntropy(), 250, Progress.none());
            return new Outcome(r.getLast().testAccuracy(), g.maxL2(), g.meanL2());
        }
    }

    @Test
    void lipschitzPenaltyLowersHeldOutGradientNormsAtSimilarAccuracy() {
        Backend backend = Backends.auto();
        Outcome plain = train(RobustObjective.plain(Loss.crossEntropy()), backend);
        Outcome reg = train(RobustObjective.paper(0.1, 0.01, Norm.LINF), backend);
        LOG.info("2,000 Fashion-MNIST images, 4 epochs on {}: λ=0 accuracy {} max‖g‖₂ {} mean {}; λ=0.1 accuracy {} max‖g‖₂ {} mean {}",
                backend.name(), plain.accuracy(), plain.maxGrad(), plain.meanGrad(), reg.accuracy(), reg.maxGrad(), reg.meanGrad());
        assertTrue(reg.maxGrad() < 0.7 * plain.maxGrad(), "max held-out ‖∇ₓℓ‖₂: λ=0.1 " + reg.maxGrad() + " vs λ=0 " + plain.maxGrad());
        assertTrue(reg.meanGrad() < plain.meanGrad(), "mean held-out ‖∇ₓℓ‖₂: λ=0.1 " + reg.meanGrad() + " vs λ=0 " + plain.meanGrad());
        assertEquals(plain.accuracy(), reg.accuracy(), 0.06, "held-out accuracy with and without the penalty");
    }
}
