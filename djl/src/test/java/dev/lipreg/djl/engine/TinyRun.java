package dev.lipreg.djl.engine;

import dev.lipreg.data.Dataset;
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
import dev.lipreg.tensor.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fashion-cnn trained one epoch by LipReg's public API, written as `lipreg train` leaves a run directory. */
public final class TinyRun {
    private TinyRun() {
    }

    /** Trains in the current scope and writes model.json and checkpoint.safetensors (with optimizer state) into {@code dir}. */
    public static Module train(Dataset train, Backend backend, Path dir) throws IOException {
        ModelSpec spec = Presets.fashionCnn(new int[]{1, 28, 28}, 10);
        Module net = spec.build(new Init(backend, 5));
        Adam adam = Adam.adam(net.parameters(), 1e-3);
        new Trainer(net, RobustObjective.plain(Loss.crossEntropy()), adam, LrSchedule.constant(1e-3), backend, TrainerConfig.of(1, 16, 5))
                .fit(train, null, 0, TrainingListener.NONE);
        Files.writeString(dir.resolve(LipRegRun.MODEL), spec.toJson());
        SafeTensors.write(dir.resolve(LipRegRun.CHECKPOINT), Checkpoint.trainingState(net, adam), Map.of("epoch", "1"));
        net.eval();
        return net;
    }
}
