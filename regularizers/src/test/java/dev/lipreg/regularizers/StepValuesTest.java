package dev.lipreg.regularizers;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Presets;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The input-gradient statistics of a step are the same whichever way they are obtained. */
class StepValuesTest {
    private final Backend ref = Backends.reference();

    private Tensor images(int n) {
        SplittableRandom r = new SplittableRandom(4);
        double[] v = new double[n * 36];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble();
        return ref.fromArray(v, Shape.of(n, 1, 6, 6));
    }

    @Test
    void plainStepReadsGradientNormsFromItsOwnBackwardPass() {
        try (Scope s = Scope.open()) {
            Module m = Presets.mlp(new int[]{1, 6, 6}, 3).build(new Init(ref, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, 2));
            Tensor x = images(5), y = Tensor.ofLabels(ref, new long[]{0, 1, 2, 0, 1});
            InputGradient ig = InputGradient.compute(m, Loss.crossEntropy(), x, y, GradientTarget.LOSS, false);
            double[] expectedL2 = Norms.perExample(Norm.L2, ig.grad()).value().toDoubleArray();
            double[] expectedL1 = Norms.perExample(Norm.L1, ig.grad()).value().toDoubleArray();

            StepValues afterBackward = RobustObjective.plain(Loss.crossEntropy()).evaluate(m, x, y);
            afterBackward.total().backward();
            assertArrayEquals(expectedL2, afterBackward.gradL2(), 1e-12);
            assertArrayEquals(expectedL1, afterBackward.gradDual(), 1e-12);

            StepValues withoutBackward = RobustObjective.plain(Loss.crossEntropy()).evaluate(m, x, y);
            assertArrayEquals(expectedL2, withoutBackward.gradL2(), 1e-12);

            StepValues penalized = RobustObjective.paper(0.1, 0.01, Norm.LINF).evaluate(m, x, y);
            assertArrayEquals(expectedL2, penalized.gradL2(), 1e-12);
            assertArrayEquals(expectedL1, penalized.gradDual(), 1e-12);
        }
    }
}
