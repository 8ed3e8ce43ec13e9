package dev.lipreg.nn;

import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training-mode forwards update the running statistics as PyTorch does:
 * r ← (1 − momentum)·r + momentum·s, with the unbiased batch variance, worked
 * out by hand for two channels over two batches.
 */
class BatchNormRunningStatisticsTest {

    @ParameterizedTest
    @ValueSource(strings = {"reference", "dnnl"})
    void twoBatchesUpdateTheRunningStatistics(String backend) {
        Backend k = Backends.byName(backend);
        try (Scope scope = Scope.open()) {
            BatchNorm2d bn = new BatchNorm2d(new Init(k, 1), 2, 1e-5, 0.25);
            // [N=2, C=2, 2]: channel 0 holds 1, 2, 3, 6 (mean 3, unbiased variance 14/3); channel 1 holds 4 × 5
            bn.forward(Variable.constant(k.fromArray(new float[]{1, 2, 5, 5, 3, 6, 5, 5}, Shape.of(2, 2, 2))));
            // batch 2: channel 0 holds 0 × 4 (mean 0, variance 0); channel 1 holds 2, 4, 6, 8 (mean 5, variance 20/3)
            bn.forward(Variable.constant(k.fromArray(new float[]{0, 0, 2, 4, 0, 0, 6, 8}, Shape.of(2, 2, 2))));
            double[] mean = {0.75 * (0.25 * 3) + 0.25 * 0, 0.75 * (0.25 * 5) + 0.25 * 5};
            double[] var = {0.75 * (0.75 + 0.25 * 14 / 3.0) + 0.25 * 0, 0.75 * (0.75 + 0.25 * 0) + 0.25 * 20 / 3.0};
            var state = bn.stateDict();
            assertArrayEquals(mean, state.get("running_mean").toDoubleArray(), 1e-6, "running mean");
            assertArrayEquals(var, state.get("running_var").toDoubleArray(), 1e-6, "running variance");
            assertEquals(2, state.get("num_batches_tracked").toLongArray()[0]);
        }
    }
}
