package dev.lipreg.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.LibUtils;
import dev.lipreg.attacks.InputGradients;
import dev.lipreg.nn.Loss;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

/** Run by {@link OfflineTest} in a JVM without network: PyTorch starts and DjlClassifier computes a gradient. */
public final class OfflineProbe {
    private OfflineProbe() {
    }

    public static void main(String[] args) {
        Engine pytorch = Engine.getEngine("PyTorch");
        try (Model model = Model.newInstance("probe", "PyTorch"); Scope s = Scope.open()) {
            SequentialBlock block = new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(3).build());
            block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(2, 1, 2, 2));
            model.setBlock(block);
            Tensor x = Tensor.of(Backends.reference(), new float[]{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f}, 2, 1, 2, 2);
            Tensor g = InputGradients.ofLoss(DjlClassifier.of(model), x, Tensor.ofLabels(Backends.reference(), new int[]{0, 2}), Loss.crossEntropy()).gradient();
            System.out.println("engine " + pytorch.getEngineName() + " " + pytorch.getVersion());
            System.out.println("libtorch " + LibUtils.getLibtorchPath());
            System.out.println("gradient " + g.shape());
        }
    }
}
