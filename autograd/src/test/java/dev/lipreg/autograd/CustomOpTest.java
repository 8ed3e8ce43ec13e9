package dev.lipreg.autograd;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A custom op gives the built-in op's gradients, and refuses the orders it has no rule for. */
class CustomOpTest {

    private static Tensor random(long seed, int... dims) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[Shape.of(dims).intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble(-1, 1);
        return Backends.reference().fromArray(v, Shape.of(dims));
    }

    /** A one-layer model tanh(x·wᵀ + b) with its activation supplied by the caller. */
    private record Net(Variable w, Variable b) {
        Variable logits(Variable x, UnaryOperator<Variable> activation) {
            return activation.apply(Ops.linear(x, w, b));
        }
    }

    /** ‖∂ sum(logits)/∂x‖², the input-gradient penalty; needs the activation's second derivative. */
    private static Variable penalty(Net net, Variable x, UnaryOperator<Variable> activation) {
        Variable gx = Autograd.grad(Ops.sum(net.logits(x, activation)), x, true);
        return Ops.sum(Ops.square(gx));
    }

    @Test
    void matchesTheBuiltInOpToFirstAndSecondOrder() {
        try (Scope s = Scope.open()) {
            Net net = new Net(Variable.leaf(random(1, 3, 4)), Variable.leaf(random(2, 3)));
            Variable x = Variable.leaf(random(3, 5, 4));
            CustomOp external = new ExternalTanh(true);
            for (boolean secondOrder : new boolean[]{false, true}) {
                List<Variable> builtIn = gradients(net, x, Ops::tanh, secondOrder);
                List<Variable> custom = gradients(net, x, external::apply, secondOrder);
                for (int i = 0; i < builtIn.size(); i++) {
                    assertArrayEquals(builtIn.get(i).value().toDoubleArray(), custom.get(i).value().toDoubleArray(), 1e-12,
                            (secondOrder ? "penalty" : "loss") + " gradient " + i);
                }
            }
        }
    }

    private static List<Variable> gradients(Net net, Variable x, UnaryOperator<Variable> activation, boolean secondOrder) {
        Variable loss = secondOrder ? penalty(net, x, activation) : Ops.sum(Ops.square(net.logits(x, activation)));
        return Autograd.grad(List.of(loss), List.of(x, net.w(), net.b()), null, false);
    }

    @Test
    void withoutASecondOrderRuleRefusesToDifferentiateItsGradient() {
        try (Scope s = Scope.open()) {
            Net net = new Net(Variable.leaf(random(1, 3, 4)), Variable.leaf(random(2, 3)));
            Variable x = Variable.leaf(random(3, 5, 4));
            CustomOp firstOnly = new ExternalTanh(false);

            // first-order gradients, recorded or not, are right
            Variable gx = Autograd.grad(Ops.sum(net.logits(x, firstOnly::apply)), x, true);
            Variable expected = Autograd.grad(Ops.sum(net.logits(x, Ops::tanh)), x, false);
            assertArrayEquals(expected.value().toDoubleArray(), gx.value().toDoubleArray(), 1e-12);

            Variable penalty = Ops.sum(Ops.square(gx));
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Autograd.grad(penalty, net.w(), false));
            assertTrue(e.getMessage().contains("external_tanh") && e.getMessage().contains("first-order gradients only"), e.getMessage());
        }
    }

    @Test
    void refusesThirdOrder() {
        try (Scope s = Scope.open()) {
            Variable x = Variable.leaf(random(4, 6));
            CustomOp external = new ExternalTanh(true);
            Variable g1 = Autograd.grad(Ops.sum(external.apply(x)), x, true);
            Variable g2 = Autograd.grad(Ops.sum(Ops.square(g1)), x, true);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Autograd.grad(Ops.sum(g2), x, false));
            assertTrue(e.getMessage().contains("second order only"), e.getMessage());
        }
    }

    @Test
    void backwardWithTheWrongNumberOfGradientsIsNamed() {
        try (Scope s = Scope.open()) {
            CustomOp broken = new ExternalTanh(false) {
                @Override
                public Tensor[] backward(List<Tensor> inputs, Tensor y, Tensor g, boolean[] needed) {
                    return new Tensor[0];
                }
            };
            Variable x = Variable.leaf(random(5, 3));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.grad(Ops.sum(broken.apply(x)), x, false));
            assertTrue(e.getMessage().contains("external_tanh: backward returned 0 gradients"), e.getMessage());
        }
    }
}
