package dev.lipreg.examples;

import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Split;
import dev.lipreg.nn.Checkpoint;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.nn.Sgd;
import dev.lipreg.regularizers.EpochReport;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.Trainer;
import dev.lipreg.regularizers.TrainerConfig;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Trains fashion-cnn with the paper's penalties on real Fashion-MNIST and saves the weights. */
public class TrainExample {

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
        Dataset train = FashionMnist.load(dir, Split.TRAIN), test = FashionMnist.load(dir, Split.TEST);
        train(train, test, Path.of("model.safetensors"));
    }

    static List<EpochReport> train(Dataset train, Dataset test, Path weights) {
        try (Scope modelScope = Scope.open()) {          // parameters and optimizer state live here
            Module net = Presets.fashionCnn(new int[]{1, 28, 28}, 10).build(new Init(Backends.auto(), 42));
            // cross-entropy + 0.1 · max_i ‖∇ₓℓ_i‖₂ (Lipschitz) + 0.01 · mean_i ‖∇ₓℓ_i‖₁ (TV, for ℓ∞ attacks)
            RobustObjective objective = RobustObjective.paper(0.1, 0.01, Norm.LINF);
            Trainer trainer = Trainer.builder(net, objective)
                    .optimizer(Sgd.builder().lr(0.05).momentum(0.9).weightDecay(5e-4).build(net.parameters()))
                    .config(TrainerConfig.builder().epochs(1).batchSize(128).seed(7).build())
                    .build();
            List<EpochReport> history = trainer.fit(train, test);
            history.forEach(System.out::println);
            Checkpoint.save(weights, net, Map.of("objective", objective.describe()));
            return history;
        }
    }
}
