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

    /**
     * For subclasses such as parameters: a leaf that requires grad.
     *
     * @param value the value
     */
    protected Variable(Tensor value) {
        this(value, true, null);
    }

    /**
     * A leaf that gradients flow to (an input being differentiated, a parameter).
     *
     * @param value the value
     * @return the leaf
     */
    public static Variable leaf(Tensor value) {
        return new Variable(value, true, null);
    }

    /**
     * A constant: no gradient flows to it.
     *
     * @param value the value
     * @return the constant
     */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, null);
    }

    /** {@return the value} */
    public Tensor value() {
        return value;
    }

    /** {@return the value's shape} */
    public Shape shape() {
        return value.shape();
    }

    /** {@return the value's dtype} */
    public DType dtype() {
        return value.dtype();
    }

    /** {@return the backend the value lives on} */
    public Backend backend() {
        return value.backend();
    }

    /**
     * The size of dimension {@code axis}.
     *
     * @param axis the axis (negative counts from the end)
     * @return its size
     */
    public int dim(int axis) {
        return value.dim(axis);
    }

    /** {@return whether gradients flow to or through this variable} */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** {@return whether this variable was made directly (a leaf or a constant), not by an op} */
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

    /**
     * Gradient accumulated by {@link #backward()} (null before).
     *
     * @return the gradient, or null
     */
    public Tensor grad() {
        return grad;
    }

    /** Forgets the gradient accumulated so far. */
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

    /**
     * {@link Ops#add}.
     *
     * @param other the other operand
     * @return this + other
     */
    public Variable add(Variable other) {
        return Ops.add(this, other);
    }

    /**
     * {@link Ops#sub}.
     *
     * @param other the other operand
     * @return this − other
     */
    public Variable sub(Variable other) {
        return Ops.sub(this, other);
    }

    /**
     * {@link Ops#mul}.
     *
     * @param other the other operand
     * @return this ⊙ other
     */
    public Variable mul(Variable other) {
        return Ops.mul(this, other);
    }

    /**
     * {@link Ops#div}.
     *
     * @param other the other operand
     * @return this / other
     */
    public Variable div(Variable other) {
        return Ops.div(this, other);
    }

    /**
     * {@link Ops#scale}.
     *
     * @param s the factor
     * @return s · this
     */
    public Variable mul(double s) {
        return Ops.scale(this, s);
    }

    /** {@return −this} */
    public Variable neg() {
        return Ops.neg(this);
    }

    /** {@return the sum of all elements} */
    public Variable sum() {
        return Ops.sum(this);
    }

    /** {@return the mean of all elements} */
    public Variable mean() {
        return Ops.mean(this);
    }

    /**
     * {@link Ops#reshape(Variable, int...)}.
     *
     * @param dims the new dims (one may be -1)
     * @return the reshaped variable
     */
    public Variable reshape(int... dims) {
        return Ops.reshape(this, dims);
    }

    @Override
    public String toString() {
        return "Variable(" + value + (node != null ? ", op=" + node.name() : requiresGrad ? ", leaf" : ", constant") + ")";
    }
}
