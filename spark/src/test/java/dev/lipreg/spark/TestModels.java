package dev.lipreg.spark;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Small mlp models trained for 2 epochs on 512 real Fashion-MNIST images, written as run directories (model.json + checkpoint.safetensors). */
final class TestModels {
    private TestModels() {
    }

    private static final Map<Double, Path> SHARED = new java.util.HashMap<>();

    /** A model trained once per JVM for {@code lip}, shared by the test classes (they only read it). */
    static synchronized Path shared(double lip) throws IOException {
        Path p = SHARED.get(lip);
        if (p == null) {
            Path dir = Files.createTempDirectory("lipreg-spark-models");
            dir.toFile().deleteOnExit();
            p = train(dir.resolve(lip == 0 ? "undefended" : "lip" + lip), lip);
            SHARED.put(lip, p);
        }
        return p;
    }

    static Path train(Path dir, double lip) throws IOException {
        Dataset train = FashionMnist.load(TestData.fashionMnist(), Split.TRAIN).sample(512, 11);
        ModelSpec spec = Presets.mlp(new int[]{1, 28, 28}, 10);
        try (Scope scope = Scope.open()) {
            Module m = spec.build(new Init(Backends.auto(), 1));
            RobustObjective objective = new SweepPoint(lip, 0, Norm.L2, 0).objective();
            new Trainer(m, objective, new Sgd(m.parameters(), 0.05, 0.9, 0), LrSchedule.constant(0.05), Backends.auto(),
                    new TrainerConfig(2, 64, 1, null, 500)).fit(train, null);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("model.json"), spec.toJson());
            Checkpoint.save(dir.resolve("checkpoint.safetensors"), m, Map.of());
        }
        return dir;
    }
}
