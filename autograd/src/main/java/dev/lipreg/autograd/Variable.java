package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.Objects;

/**
 * A tensor in the autograd graph. Leaves are inputs or parameters; every other
 * variable remembers the op that made it, so {@link Autograd#grad} can walk back.
 */
public class Variable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final Node node;
    private Tensor grad;

    Variable(Tensor value, boolean requiresGrad, Node node) {
        this.value = Objects.requireNonNull(value, "value");
        this.requiresGrad = requiresGrad;
        this.node = node;
    }

    /** For subclasses such as parameters: a leaf that requires grad. */
    protected Variable(Tensor value) {
        this(value, true, null);
    }

    /** A leaf that gradients flow to (an input being differentiated, a parameter). */
    public static Variable leaf(Tensor value) {
        return new Variable(value, true, null);
    }

    /** A constant: no gradient flows to it. */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, null);
    }

    public Tensor value() {
        return value;
    }

    public Shape shape() {
        return value.shape();
    }

    public DType dtype() {
        return value.dtype();
    }

    public Backend backend() {
        return value.backend();
    }

    public int dim(int axis) {
        return value.dim(axis);
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public boolean isLeaf() {
        return node == null;
    }

    Node node() {
        return node;
    }

    /** {@return the same value cut from the graph} */
    public Variable detach() {
        return constant(value);
    }

    /** Gradient accumulated by {@link #backward()} (null before). */
    public Tensor grad() {
        return grad;
    }

    public void zeroGrad() {
        grad = null;
    }

    void accumulateGrad(Tensor g) {
        grad = grad == null ? g : grad.backend().binary(dev.lipreg.tensor.BinaryOp.ADD, grad, g);
    }

    /** Accumulates d(this)/d(leaf) into every leaf that requires grad; this must be a scalar. */
    public void backward() {
        Autograd.backward(this);
    }

    /** {@return the scalar value} */
    public double item() {
        return value.item();
    }

    // Convenience forms of the most common ops, so model code reads left to right.

    public Variable add(Variable other) {
        return Ops.add(this, other);
    }

    public Variable sub(Variable other) {
        return Ops.sub(this, other);
    }

    public Variable mul(Variable other) {
        return Ops.mul(this, other);
    }

    public Variable div(Variable other) {
        return Ops.div(this, other);
    }

    public Variable mul(double s) {
        return Ops.scale(this, s);
    }

    public Variable neg() {
        return Ops.neg(this);
    }

    public Variable sum() {
        return Ops.sum(this);
    }

    public Variable mean() {
        return Ops.mean(this);
    }

    public Variable reshape(int... dims) {
        return Ops.reshape(this, dims);
    }

    @Override
    public String toString() {
        return "Variable(" + value + (node != null ? ", op=" + node.name() : requiresGrad ? ", leaf" : ", constant") + ")";
    }
}
