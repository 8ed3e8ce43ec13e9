package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.MemoryPool;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private final Backend ref = Backends.reference();

    /** Two well separated classes of 4x4 images: bright left half vs bright right half, plus noise. */
    private static Dataset halves(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int p = 0; p < 16; p++) {
                boolean left = p % 4 < 2;
                x[i * 16 + p] = (float) Math.min(1, Math.max(0, (left == (y[i] == 0) ? 0.8 : 0.2) + r.nextDouble(-0.15, 0.15)));
            }
        }
        return new Dataset(x, y, n, 1, 4, 4, 2, "halves");
    }

    private Trainer trainer(Module net, RobustObjective objective, double lr, int epochs) {
        return new Trainer(net, objective, new Sgd(net.parameters(), lr, 0.9, 0), LrSchedule.constant(lr), ref, TrainerConfig.of(epochs, 16, 3));
    }

    @Test
    void trainingReportsLossPenaltiesAndGradientNorms() {
        try (Scope s = Scope.open()) {
            Module net = Presets.mlp(new int[]{1, 4, 4}, 2).build(new Init(ref, 1));
            List<StepReport> steps = new ArrayList<>();
            List<EpochReport> r = trainer(net, RobustObjective.paper(0.1, 0.01, Norm.LINF), 0.05, 3)
                    .fit(halves(64, 1), halves(32, 2), 0, new TrainingListener() {
                        @Override
                        public void onStep(StepReport step) {
                            steps.add(step);
                        }
                    });
            assertEquals(3, r.size());
            assertEquals(3 * 4, steps.size(), "64 images in batches of 16, 3 epochs");
            EpochReport last = r.getLast();
            assertTrue(last.trainLoss() < r.getFirst().trainLoss(), "loss falls: " + r);
            assertTrue(last.testAccuracy() > 0.9, "separable data: " + last);
            assertEquals(List.of("lip(l2)", "tv(l1)"), List.copyOf(last.penalties().keySet()));
            assertTrue(last.maxGradL2() >= last.meanGradL2() && last.meanGradL2() > 0);
            assertTrue(last.maxGradDual() >= last.meanGradDual() && last.meanGradDual() > 0);
            // the reported Lipschitz term is λ times the batch max of ‖g‖₂, bounded by the epoch max
            assertTrue(last.penalties().get("lip(l2)") <= 0.1 * last.maxGradL2() + 1e-9);
        }
    }

    @Test
    void divergenceStopsTrainingNamingTheStep() {
        try (Scope s = Scope.open()) {
            Module net = Presets.mlp(new int[]{1, 4, 4}, 2).build(new Init(ref, 1));
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> trainer(net, RobustObjective.plain(Loss.crossEntropy()), 1e12, 3).fit(halves(64, 1), null, 0, TrainingListener.NONE));
            assertTrue(e.getMessage().startsWith("training diverged at epoch " + e.epoch() + ", step " + e.step()), e.getMessage());
        }
    }

    @Test
    void memoryStaysFlatAcrossEpochs() {
        try (Scope s = Scope.open()) {
            Module net = Presets.fashionCnn(new int[]{1, 8, 8}, 2).build(new Init(ref, 1));
            Trainer t = trainer(net, RobustObjective.paper(0.1, 0.01, Norm.L2), 0.01, 1);
            Dataset d = halvesScaled();
            t.fit(d, null, 0, TrainingListener.NONE);
            long afterFirst = MemoryPool.shared().reservedBytes();
            for (int i = 0; i < 3; i++) trainer(net, RobustObjective.paper(0.1, 0.01, Norm.L2), 0.01, 1).fit(d, null, 0, TrainingListener.NONE);
            assertEquals(afterFirst, MemoryPool.shared().reservedBytes(), "native memory reserved after 1 and 4 epochs");
        }
    }

    private static Dataset halvesScaled() {
        Dataset small = halves(32, 5);
        float[] x = new float[32 * 64];
        for (int i = 0; i < 32; i++) for (int p = 0; p < 64; p++) x[i * 64 + p] = small.images()[i * 16 + (p / 8 / 2) * 4 + (p % 8) / 2];
        return new Dataset(x, small.labels(), 32, 1, 8, 8, 2, "halves8");
    }

    @Test
    void dataLipschitzMatchesBruteForce() {
        Dataset d = halves(40, 9);
        DataLipschitz est = DataLipschitz.estimate(d, 40, 1, ref);
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 40; i++) {
            for (int j = i + 1; j < 40; j++) {
                if (d.label(i) == d.label(j)) continue;
                double acc = 0;
                for (int k = 0; k < 16; k++) acc += Math.pow(d.image(i)[k] - d.image(j)[k], 2);
                best = Math.min(best, Math.sqrt(acc));
            }
        }
        assertEquals(best, est.distance(), 1e-6);
        assertEquals(Math.sqrt(2) / best, est.value(), 1e-6);
        assertTrue(d.label(est.first()) != d.label(est.second()));
    }
}
