package dev.lipreg.regularizers;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Sgd;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TrainerBuilderTest {

    @Test
    void configBuilderDefaultsAndNamedSettings() {
        assertEquals(new TrainerConfig(1, 128, 0, null, 500), TrainerConfig.builder().build());
        TrainerConfig c = TrainerConfig.builder().epochs(3).batchSize(64).seed(9).evalBatchSize(100).build();
        assertEquals(TrainerConfig.of(3, 64, 9).epochs(), c.epochs());
        assertEquals(64, c.batchSize());
        assertEquals(9, c.seed());
        assertEquals(100, c.evalBatchSize());
        assertNull(c.augmentation());
        assertEquals("batch size must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> TrainerConfig.builder().batchSize(0).build()).getMessage());
    }

    @Test
    void trainerBuilderNeedsAnOptimizer() {
        try (Scope s = Scope.open()) {
            Module net = new ModelSpec("lin", new int[]{1, 2, 2}, 3,
                    java.util.List.of(LayerSpec.of("flatten"), LayerSpec.of("linear", "in", 4, "out", 3))).build(new Init(Backends.reference(), 1));
            RobustObjective objective = RobustObjective.paper(0.1, 0, Norm.L2);
            assertEquals("Trainer: an optimizer is required (Trainer.builder(...).optimizer(...))",
                    assertThrows(IllegalArgumentException.class, () -> Trainer.builder(net, objective).build()).getMessage());
            Trainer.builder(net, objective).optimizer(Sgd.builder().lr(0.1).build(net.parameters())).build();
        }
    }
}
