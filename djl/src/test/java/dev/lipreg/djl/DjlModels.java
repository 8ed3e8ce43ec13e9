package dev.lipreg.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.engine.Engine;
import dev.lipreg.data.Dataset;

/** A small MLP built and trained in DJL on the PyTorch engine, as a DJL user would. */
final class DjlModels {
    private DjlModels() {
    }

    /** flatten, linear →64, ReLU, linear →32, ReLU, linear →10. */
    static SequentialBlock smallMlp() {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(32).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /** A PyTorch model holding {@link #smallMlp()}, trained {@code steps} Adam steps on batches of {@code train}. */
    static Model trainedMlp(Dataset train, int steps, int batch) {
        Engine.getEngine("PyTorch").setRandomSeed(7);
        Model model = Model.newInstance("djl-fashion-mlp", "PyTorch");
        model.setBlock(smallMlp());
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optInitializer(new XavierInitializer(), Parameter.Type.WEIGHT)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build());
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(new Shape(1, 1, 28, 28));
            NDManager m = trainer.getManager();
            for (int s = 0; s < steps; s++) {
                int from = (s * batch) % (train.count() - batch + 1);
                Dataset b = train.subset(from, from + batch);
                try (NDManager step = m.newSubManager()) {
                    NDArray x = images(step, b);
                    NDArray y = step.create(b.labels()).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(logits)));
                    }
                    trainer.step();
                }
            }
        }
        return model;
    }

    static NDArray images(NDManager m, Dataset d) {
        return m.create(d.images(), new Shape(d.count(), d.channels(), d.height(), d.width()));
    }
}
