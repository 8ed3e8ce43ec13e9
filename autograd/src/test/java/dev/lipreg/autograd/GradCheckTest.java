package dev.lipreg.autograd;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself must catch wrong rules, or the op suite proves nothing. */
class GradCheckTest {

    /** tanh with a first derivative that is off by a factor 1.01. */
    private static Variable wrongFirst(Variable x) {
        Tensor y = x.backend().unary(UnaryOp.TANH, x.value());
        return Ops.record(Op.TANH, y, (out, g, n) -> new Variable[]{Ops.scale(Ops.mul(g, Ops.affine(Ops.square(Ops.tanh(x)), -1, 1)), 1.01)}, x);
    }

    /** x² whose backward is right in value but not differentiable as recorded: 2x is taken as a constant. */
    private static Variable wrongSecond(Variable x) {
        Tensor y = x.backend().unary(UnaryOp.SQUARE, x.value());
        return Ops.record(Op.SQUARE, y, (out, g, n) -> new Variable[]{Ops.mul(g, Variable.constant(x.backend().affine(x.value(), 2, 0)))}, x);
    }

    private static List<Tensor> input() {
        return List.of(Backends.reference().fromArray(new double[]{0.3, -0.7, 1.1, 0.05}, Shape.of(4)));
    }

    @Test
    void detectsWrongFirstDerivative() {
        try (Scope s = Scope.open()) {
            assertFalse(GradCheck.first(v -> wrongFirst(v.getFirst()), input()).passed());
        }
    }

    @Test
    void detectsBackwardThatIsNotDifferentiable() {
        try (Scope s = Scope.open()) {
            assertTrue(GradCheck.first(v -> wrongSecond(v.getFirst()), input()).passed(), "value of the first derivative is right");
            assertFalse(GradCheck.second(v -> wrongSecond(v.getFirst()), input()).passed(), "its own derivative is missing");
        }
    }

    @Test
    void rejectsFloat32Inputs() {
        try (Scope s = Scope.open()) {
            Tensor f32 = Tensor.zeros(Backends.reference(), DType.FLOAT32, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradCheck.first(v -> Ops.square(v.getFirst()), List.of(f32)));
            assertTrue(e.getMessage().contains("FLOAT64"), e.getMessage());
        }
    }
}
