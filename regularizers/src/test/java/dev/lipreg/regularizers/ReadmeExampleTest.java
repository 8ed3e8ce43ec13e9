package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's plain-Java example, kept compiling and running here (on a small subset). */
class ReadmeExampleTest {

    @Test
    void readmeExampleRuns(@TempDir Path out) throws Exception {
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        Assumptions.assumeTrue(Files.isDirectory(dir), "real Fashion-MNIST not installed");
        // --- README example starts
        Backend backend = Backends.auto();                       // oneDNN when it loads, else pure Java
        Dataset train = FashionMnist.load(dir, Split.TRAIN).sample(512, 1);
        Dataset test = FashionMnist.load(dir, Split.TEST).sample(256, 1);

        try (Scope modelScope = Scope.open()) {                  // parameters and optimizer state live here
            Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(backend, 42));
            RobustObjective objective = RobustObjective.paper(0.1, 0.01, Norm.LINF);  // CE + 0.1·max‖g‖₂ + 0.01·mean‖g‖₁
            Trainer trainer = new Trainer(net, objective, new Sgd(net.parameters(), 0.05, 0.9, 5e-4),
                    LrSchedule.constant(0.05), backend, TrainerConfig.of(1, 128, 7));
            List<EpochReport> history = trainer.fit(train, test, 0, TrainingListener.NONE);
            System.out.println(history.getLast());
            Checkpoint.save(out.resolve("model.safetensors"), net, Map.of("objective", objective.describe()));
        }
        // --- README example ends
        assertTrue(Files.size(out.resolve("model.safetensors")) > 400_000);
    }
}
