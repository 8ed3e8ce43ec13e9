package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.List;

/**
 * tanh computed "outside" autograd, on raw tensors, as a plug-in wrapping an
 * external engine would: forward, its vector–Jacobian product and, when asked
 * for, its second-order rule, all written by hand.
 */
class ExternalTanh implements CustomOp {
    private final boolean secondOrder;

    ExternalTanh(boolean secondOrder) {
        this.secondOrder = secondOrder;
    }

    @Override
    public String name() {
        return "external_tanh";
    }

    @Override
    public Tensor forward(List<Tensor> inputs) {
        Tensor x = inputs.getFirst();
        return x.backend().unary(UnaryOp.TANH, x);
    }

    /** g ⊙ (1 − y²). */
    @Override
    public Tensor[] backward(List<Tensor> inputs, Tensor y, Tensor g, boolean[] needed) {
        Backend k = y.backend();
        return new Tensor[]{k.binary(BinaryOp.MUL, g, oneMinusSquare(y))};
    }

    /** For B(g, x) = g ⊙ (1 − tanh²x): ∂⟨u,B⟩/∂g = u ⊙ (1 − y²), ∂⟨u,B⟩/∂x = −2 u ⊙ g ⊙ y ⊙ (1 − y²). */
    @Override
    public SecondOrder secondOrder() {
        if (!secondOrder) return null;
        return (inputs, y, g, which, u, needed) -> {
            Backend k = y.backend();
            Tensor d = oneMinusSquare(y);
            Tensor du = k.binary(BinaryOp.MUL, u, d);
            Tensor dx = k.affine(k.binary(BinaryOp.MUL, k.binary(BinaryOp.MUL, du, g), y), -2, 0);
            return new Tensor[]{needed[0] ? du : null, needed[1] ? dx : null};
        };
    }

    private static Tensor oneMinusSquare(Tensor y) {
        Backend k = y.backend();
        return k.affine(k.unary(UnaryOp.SQUARE, y), -1, 1);
    }
}
