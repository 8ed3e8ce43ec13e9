package dev.lipreg.nn;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Autograd behaviour at the edges, as the nn layer relies on it: unused inputs, graph modes, higher orders, errors, lifetimes. */
class AutogradEdgeCasesTest {
    private static final Backend REF = Backends.reference();
    private static final double[] XS = {-1.5, -0.3, 0.0, 0.7, 2.0};

    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static Variable leaf(double... v) {
        return Variable.leaf(REF.fromArray(v, Shape.of(v.length)));
    }

    @Test
    void unusedInputGetsAZeroGradient() {
        Variable x = leaf(XS);
        Variable unused = Variable.leaf(REF.fromArray(new double[]{1, 2, 3, 4, 5, 6}, Shape.of(2, 3)));
        Variable onlyThroughConstants = leaf(0.5, -0.5);
        // sign() is a constant: no gradient flows through it
        Variable y = Ops.add(Ops.sum(Ops.tanh(x)), Ops.sum(Ops.sign(onlyThroughConstants)));
        List<Variable> g = Autograd.grad(List.of(y), List.of(x, unused, onlyThroughConstants), null, false);
        assertEquals(Shape.of(2, 3), g.get(1).shape());
        assertArrayEquals(new double[6], g.get(1).value().toDoubleArray());
        assertArrayEquals(new double[2], g.get(2).value().toDoubleArray());
        assertFalse(g.get(1).requiresGrad());
    }

    @Test
    void gradientsOfSharedSubexpressionsAccumulate() {
        Variable x = leaf(XS);
        Variable t = Ops.tanh(x);
        Variable y = Ops.sum(Ops.add(Ops.mul(t, t), Ops.mul(x, t))); // t² + x·t
        double[] g = Autograd.grad(y, x, false).value().toDoubleArray();
        for (int i = 0; i < XS.length; i++) {
            double th = Math.tanh(XS[i]), s = 1 - th * th;
            assertEquals(2 * th * s + th + XS[i] * s, g[i], 1e-15);
        }
    }

    @Test
    void createGraphDecidesWhetherTheResultCanBeDifferentiatedAgain() {
        Variable x = leaf(XS);
        Variable y = Ops.sum(Ops.tanh(x));
        Variable constant = Autograd.grad(y, x, false);
        assertFalse(constant.requiresGrad());
        assertTrue(constant.isLeaf());
        Variable recorded = Autograd.grad(y, x, true);
        assertTrue(recorded.requiresGrad());
        assertFalse(recorded.isLeaf());
        assertArrayEquals(constant.value().toDoubleArray(), recorded.value().toDoubleArray());
        // the graph mode is restored afterwards, whatever grad used
        assertTrue(GradMode.isEnabled());
        try (GradMode.Restore off = GradMode.disabled()) {
            assertFalse(Ops.tanh(x).requiresGrad(), "nothing is recorded with grad mode off");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Autograd.grad(Ops.sum(Ops.tanh(Ops.tanh(x))), x, true), "nothing was recorded to differentiate");
            assertTrue(e.getMessage().contains("does not depend on anything that requires grad"), e.getMessage());
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void thirdDerivativeOfTanhMatchesTheClosedForm() {
        // t = tanh x: t' = 1 − t², t'' = −2t(1 − t²), t''' = (1 − t²)(6t² − 2)
        Variable x = leaf(XS);
        Variable d1 = Autograd.grad(Ops.sum(Ops.tanh(x)), x, true);
        Variable d2 = Autograd.grad(Ops.sum(d1), x, true);
        Variable d3 = Autograd.grad(Ops.sum(d2), x, false);
        double[] g1 = d1.value().toDoubleArray(), g2 = d2.value().toDoubleArray(), g3 = d3.value().toDoubleArray();
        for (int i = 0; i < XS.length; i++) {
            double t = Math.tanh(XS[i]), s = 1 - t * t;
            assertEquals(s, g1[i], 1e-15, "first derivative at " + XS[i]);
            assertEquals(-2 * t * s, g2[i], 1e-15, "second derivative at " + XS[i]);
            assertEquals(s * (6 * t * t - 2), g3[i], 1e-14, "third derivative at " + XS[i]);
        }
        assertFalse(d3.requiresGrad());
    }

    @Test
    void secondDerivativeThroughReluIsExactlyZeroAndItsKinkFollowsPyTorch() {
        Variable x = leaf(-1, 0, 2);
        Variable d1 = Autograd.grad(Ops.sum(Ops.mul(Ops.relu(x), x)), x, true); // d/dx (relu(x)·x) = relu'(x)·x + relu(x)
        assertArrayEquals(new double[]{0, 0, 4}, d1.value().toDoubleArray());
        Variable d2 = Autograd.grad(Ops.sum(d1), x, false);
        assertArrayEquals(new double[]{0, 0, 2}, d2.value().toDoubleArray(), "relu'(0) = 0, relu'' = 0");
    }

    @Test
    void badCallsGiveClearMessages() {
        Variable x = leaf(XS);
        Variable vector = Ops.tanh(x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autograd.grad(vector, x, false));
        assertTrue(e.getMessage().contains("is not a scalar; pass gradOutputs"), e.getMessage());
        // with gradOutputs it is a vector–Jacobian product
        Variable ones = Variable.constant(REF.full(Shape.of(XS.length), x.dtype(), 1));
        assertArrayEquals(Autograd.grad(Ops.sum(vector), x, false).value().toDoubleArray(),
                Autograd.grad(List.of(vector), List.of(x), List.of(ones), false).getFirst().value().toDoubleArray());

        Variable c = Variable.constant(REF.fromArray(XS, Shape.of(XS.length)));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(Ops.sum(Ops.mul(x, c)), c, false));
        assertTrue(e2.getMessage().contains("does not require grad") && e2.getMessage().contains("Variable.leaf"), e2.getMessage());

        Variable wrongSeed = Variable.constant(REF.full(Shape.of(2), x.dtype(), 1));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(List.of(vector), List.of(x), List.of(wrongSeed), false));
        assertTrue(e3.getMessage().contains("gradOutput [2] does not match output [5]"), e3.getMessage());

        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(List.of(vector, vector), List.of(x), List.of(ones), false));
        assertTrue(e4.getMessage().contains("1 gradOutputs for 2 outputs"), e4.getMessage());

        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(List.of(), List.of(x), null, false));

        IllegalArgumentException e5 = assertThrows(IllegalArgumentException.class, () -> Ops.sum(c).backward());
        assertTrue(e5.getMessage().contains("does not depend on any variable that requires grad"), e5.getMessage());
    }

    @Test
    void backwardAccumulatesIntoLeavesUntilZeroed() {
        Parameter p = new Parameter(REF.fromArray(new double[]{1, 2}, Shape.of(2)));
        assertNull(p.grad());
        Ops.sum(Ops.square(p)).backward();
        Ops.sum(Ops.square(p)).backward();
        assertArrayEquals(new double[]{4, 8}, p.grad().toDoubleArray());
        p.zeroGrad();
        assertNull(p.grad());
    }

    @Test
    void tensorsOfAClosedScopeFailClearly() {
        Variable x = leaf(XS);
        Tensor dead;
        Variable y;
        try (Scope step = Scope.open()) {
            dead = REF.fromArray(new double[]{1, 2, 3}, Shape.of(3));
            y = Ops.sum(Ops.tanh(x)); // its saved tanh output lives in the step scope
        }
        assertFalse(dead.isAlive());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Ops.tanh(Variable.constant(dead)));
        assertTrue(e.getMessage().contains("used after its Scope closed"), e.getMessage());
        IllegalStateException e2 = assertThrows(IllegalStateException.class, dead::toDoubleArray);
        assertTrue(e2.getMessage().contains("used after its Scope closed"), e2.getMessage());
        // the graph of a finished step cannot be differentiated once its scope is gone
        IllegalStateException e3 = assertThrows(IllegalStateException.class, () -> Autograd.grad(y, x, false));
        assertTrue(e3.getMessage().contains("used after its Scope closed"), e3.getMessage());
        assertTrue(dead.toString().contains("freed"), dead.toString());
        // the leaf from the open outer scope is still fine
        assertEquals(Arrays.stream(XS).map(Math::tanh).sum(), Ops.sum(Ops.tanh(x)).item(), 1e-15);
    }

    @Test
    void comparisonsAreConstants() {
        Variable x = leaf(XS);
        Variable mask = Ops.compare(BinaryOp.GT, x, Variable.constant(REF.full(Shape.scalar(), x.dtype(), 0)));
        assertFalse(mask.requiresGrad());
        assertArrayEquals(new double[]{0, 0, 0, 1, 1}, mask.value().toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> Ops.compare(BinaryOp.ADD, x, x));
    }
}
