package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The builders name the same settings as the positional constructors: equal updates, defaults as PyTorch's. */
class OptimizerBuilderTest {
    private static final Backend REF = Backends.reference();

    /** Parameters after three steps on f(p) = Σ p³ from p = (0.5, -1, 2). */
    private static double[] afterThreeSteps(Function<Map<String, Parameter>, Optimizer> make) {
        try (Scope s = Scope.open()) {
            Parameter p = new Parameter(REF.fromArray(new double[]{0.5, -1, 2}, Shape.of(3)));
            Map<String, Parameter> params = Map.of("p", p);
            Optimizer opt = make.apply(params);
            for (int i = 0; i < 3; i++) {
                try (Scope step = Scope.open()) {
                    opt.zeroGrad();
                    Variable f = Ops.sum(Ops.mul(Ops.square(p), p));
                    f.backward();
                    opt.step();
                }
            }
            return p.value().toDoubleArray();
        }
    }

    @Test
    void sgdBuilderEqualsTheConstructor() {
        assertArrayEquals(afterThreeSteps(ps -> new Sgd(ps, 0.05, 0.9, 0.1, 5e-4, false)),
                afterThreeSteps(ps -> Sgd.builder().lr(0.05).momentum(0.9).dampening(0.1).weightDecay(5e-4).build(ps)), 0);
        assertArrayEquals(afterThreeSteps(ps -> new Sgd(ps, 0.05, 0.9, 0, 0, true)),
                afterThreeSteps(ps -> Sgd.builder().lr(0.05).momentum(0.9).nesterov(true).build(ps)), 0);
        assertArrayEquals(afterThreeSteps(ps -> new Sgd(ps, 0.01, 0, 0, 0, false)),
                afterThreeSteps(ps -> Sgd.builder().build(ps)), 0, "torch.optim.SGD's defaults, lr 0.01");
    }

    @Test
    void adamBuilderEqualsTheConstructor() {
        assertArrayEquals(afterThreeSteps(ps -> new Adam(ps, 0.01, 0.8, 0.99, 1e-6, 0.1, true)),
                afterThreeSteps(ps -> Adam.builder().lr(0.01).betas(0.8, 0.99).eps(1e-6).weightDecay(0.1).decoupled(true).build(ps)), 0);
        assertArrayEquals(afterThreeSteps(ps -> Adam.adam(ps, 1e-3)), afterThreeSteps(ps -> Adam.builder().build(ps)), 0);
    }

    @Test
    void buildersCheckTheirSettings() {
        try (Scope s = Scope.open()) {
            Map<String, Parameter> ps = Map.of("p", new Parameter(REF.fromArray(new double[]{1}, Shape.of(1))));
            assertEquals("SGD: learning rate must be >= 0, got -1.0",
                    assertThrows(IllegalArgumentException.class, () -> Sgd.builder().lr(-1).build(ps)).getMessage());
            assertEquals("Adam: betas must be in [0, 1), got 1.0, 0.999",
                    assertThrows(IllegalArgumentException.class, () -> Adam.builder().betas(1, 0.999).build(ps)).getMessage());
        }
    }
}
