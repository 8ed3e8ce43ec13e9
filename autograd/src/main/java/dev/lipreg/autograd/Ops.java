package dev.lipreg.autograd;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BatchNormResult;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The differentiable ops and their backward rules, one table. Every rule is
 * written with these same ops, so a backward pass recorded with
 * {@code createGraph = true} can be differentiated again. Kernels come from the
 * tensors' {@link Backend}. A rule's null entry is an exact zero (e.g. the
 * second derivative of ReLU), never a missing rule.
 */
public final class Ops {
    private Ops() {
    }

    // ================================================================= recording

    /** Wraps {@code value} as the result of {@code op}, recording it when any input requires grad. */
    static Variable record(Op op, Tensor value, BackwardRule rule, Variable... inputs) {
        return record(op, op.label(), value, rule, inputs);
    }

    private static Variable record(Op op, String name, Tensor value, BackwardRule rule, Variable... inputs) {
        if (GradMode.isEnabled()) {
            for (Variable in : inputs) {
                if (in.requiresGrad()) return new Variable(value, true, new Node(op, name, inputs, rule));
            }
        }
        return Variable.constant(value);
    }

    private static Backend be(Variable v) {
        return v.backend();
    }

    private static Variable constant(Tensor t) {
        return Variable.constant(t);
    }

    // ================================================================= element-wise binary (broadcasting)

    /**
     * Element-wise a + b, broadcasting.
     *
     * @param a the first operand
     * @param b the second operand
     * @return the sum
     */
    public static Variable add(Variable a, Variable b) {
        Tensor y = be(a).binary(BinaryOp.ADD, a.value(), b.value());
        return record(Op.ADD, y, (out, g, n) -> new Variable[]{
                n[0] ? sumTo(g, a.shape()) : null,
                n[1] ? sumTo(g, b.shape()) : null}, a, b);
    }

    /**
     * Element-wise a − b, broadcasting.
     *
     * @param a the first operand
     * @param b the second operand
     * @return the difference
     */
    public static Variable sub(Variable a, Variable b) {
        Tensor y = be(a).binary(BinaryOp.SUB, a.value(), b.value());
        return record(Op.SUB, y, (out, g, n) -> new Variable[]{
                n[0] ? sumTo(g, a.shape()) : null,
                n[1] ? sumTo(neg(g), b.shape()) : null}, a, b);
    }

    /**
     * Element-wise a ⊙ b, broadcasting.
     *
     * @param a the first operand
     * @param b the second operand
     * @return the product
     */
    public static Variable mul(Variable a, Variable b) {
        Tensor y = be(a).binary(BinaryOp.MUL, a.value(), b.value());
        return record(Op.MUL, y, (out, g, n) -> new Variable[]{
                n[0] ? sumTo(mul(g, b), a.shape()) : null,
                n[1] ? sumTo(mul(g, a), b.shape()) : null}, a, b);
    }

    /**
     * Element-wise a / b, broadcasting.
     *
     * @param a the dividend
     * @param b the divisor
     * @return the quotient
     */
    public static Variable div(Variable a, Variable b) {
        Tensor y = be(a).binary(BinaryOp.DIV, a.value(), b.value());
        return record(Op.DIV, y, (out, g, n) -> new Variable[]{
                n[0] ? sumTo(div(g, b), a.shape()) : null,
                n[1] ? sumTo(neg(div(mul(g, a), square(b))), b.shape()) : null}, a, b);
    }

    /**
     * Element-wise max; on ties each side gets half the gradient (PyTorch).
     *
     * @param a the first operand
     * @param b the second operand
     * @return the maximum
     */
    public static Variable maximum(Variable a, Variable b) {
        return extremum(Op.MAXIMUM, BinaryOp.MAX, BinaryOp.GT, a, b);
    }

    /**
     * Element-wise min; on ties each side gets half the gradient (PyTorch).
     *
     * @param a the first operand
     * @param b the second operand
     * @return the minimum
     */
    public static Variable minimum(Variable a, Variable b) {
        return extremum(Op.MINIMUM, BinaryOp.MIN, BinaryOp.LT, a, b);
    }

    private static Variable extremum(Op name, BinaryOp op, BinaryOp wins, Variable a, Variable b) {
        Backend k = be(a);
        Tensor y = k.binary(op, a.value(), b.value());
        return record(name, y, (out, g, n) -> {
            // share of a: 1 where a wins, 1/2 on ties, 0 where b wins
            Tensor win = k.binary(wins, a.value(), b.value());
            Tensor tie = k.affine(k.binary(BinaryOp.EQ, a.value(), b.value()), 0.5, 0);
            Variable shareA = constant(k.binary(BinaryOp.ADD, win, tie));
            Variable shareB = constant(k.affine(shareA.value(), -1, 1));
            return new Variable[]{
                    n[0] ? sumTo(mul(g, shareA), a.shape()) : null,
                    n[1] ? sumTo(mul(g, shareB), b.shape()) : null};
        }, a, b);
    }

    /**
     * a op b for a comparison op: a constant 0/1 mask.
     *
     * @param op a comparison
     * @param a  the first operand
     * @param b  the second operand
     * @return the mask
     */
    public static Variable compare(BinaryOp op, Variable a, Variable b) {
        if (!op.isComparison()) throw new IllegalArgumentException("compare: " + op + " is not a comparison");
        return constant(be(a).binary(op, a.value(), b.value()));
    }

    // ================================================================= scalar arithmetic

    /**
     * x · scale + shift.
     *
     * @param x     the input
     * @param scale the factor
     * @param shift the offset
     * @return the result
     */
    public static Variable affine(Variable x, double scale, double shift) {
        Tensor y = be(x).affine(x.value(), scale, shift);
        return record(Op.AFFINE, y, (out, g, n) -> new Variable[]{scale(g, scale)}, x);
    }

    /**
     * x · s.
     *
     * @param x the input
     * @param s the factor
     * @return the result
     */
    public static Variable scale(Variable x, double s) {
        return affine(x, s, 0);
    }

    /**
     * x + c.
     *
     * @param x the input
     * @param c the constant
     * @return the result
     */
    public static Variable addScalar(Variable x, double c) {
        return affine(x, 1, c);
    }

    /**
     * −x.
     *
     * @param x the input
     * @return the result
     */
    public static Variable neg(Variable x) {
        return affine(x, -1, 0);
    }

    /**
     * A scalar constant of x's dtype and backend.
     *
     * @param x     gives the dtype and backend
     * @param value the value
     * @return the constant
     */
    public static Variable scalarLike(Variable x, double value) {
        return constant(be(x).full(Shape.scalar(), x.dtype(), value));
    }

    // ================================================================= element-wise unary

    private static Tensor apply(UnaryOp op, Variable x) {
        return be(x).unary(op, x.value());
    }

    /**
     * eˣ.
     *
     * @param x the input
     * @return the result
     */
    public static Variable exp(Variable x) {
        Tensor y = apply(UnaryOp.EXP, x);
        return record(Op.EXP, y, (out, g, n) -> new Variable[]{mul(g, out)}, x);
    }

    /**
     * The natural logarithm.
     *
     * @param x the input
     * @return the result
     */
    public static Variable log(Variable x) {
        return record(Op.LOG, apply(UnaryOp.LOG, x), (out, g, n) -> new Variable[]{div(g, x)}, x);
    }

    /**
     * √x.
     *
     * @param x the input
     * @return the result
     */
    public static Variable sqrt(Variable x) {
        Tensor y = apply(UnaryOp.SQRT, x);
        return record(Op.SQRT, y, (out, g, n) -> new Variable[]{div(g, scale(out, 2))}, x);
    }

    /**
     * x².
     *
     * @param x the input
     * @return the result
     */
    public static Variable square(Variable x) {
        return record(Op.SQUARE, apply(UnaryOp.SQUARE, x), (out, g, n) -> new Variable[]{mul(g, scale(x, 2))}, x);
    }

    /**
     * 1 / x.
     *
     * @param x the input
     * @return the result
     */
    public static Variable reciprocal(Variable x) {
        Tensor y = apply(UnaryOp.RECIPROCAL, x);
        return record(Op.RECIPROCAL, y, (out, g, n) -> new Variable[]{neg(mul(g, square(out)))}, x);
    }

    /**
     * |x|; its derivative sign(x) is 0 at 0, as PyTorch.
     *
     * @param x the input
     * @return the result
     */
    public static Variable abs(Variable x) {
        return record(Op.ABS, apply(UnaryOp.ABS, x), (out, g, n) -> new Variable[]{mul(g, sign(x))}, x);
    }

    /**
     * sign(x), a constant: its derivative is zero wherever it exists.
     *
     * @param x the input
     * @return the result
     */
    public static Variable sign(Variable x) {
        return constant(apply(UnaryOp.SIGN, x));
    }

    /**
     * 1 where x > 0, else 0; a constant.
     *
     * @param x the input
     * @return the result
     */
    public static Variable step(Variable x) {
        return constant(apply(UnaryOp.STEP, x));
    }

    /**
     * max(x, 0); derivative 0 at 0 (PyTorch).
     *
     * @param x the input
     * @return the result
     */
    public static Variable relu(Variable x) {
        return record(Op.RELU, apply(UnaryOp.RELU, x), (out, g, n) -> new Variable[]{activationBackward(UnaryOp.RELU, g, x, 0)}, x);
    }

    /**
     * x for x &gt; 0, slope · x otherwise.
     *
     * @param x     the input
     * @param slope the negative side's slope
     * @return the result
     */
    public static Variable leakyRelu(Variable x, double slope) {
        Tensor y = be(x).unary(UnaryOp.LEAKY_RELU, x.value(), slope);
        return record(Op.LEAKY_RELU, y, (out, g, n) -> new Variable[]{activationBackward(UnaryOp.LEAKY_RELU, g, x, slope)}, x);
    }

    /**
     * The fused backward of a piecewise-linear activation, gy · f'(x). It is
     * linear in gy with f'' = 0, so its own rule is itself (for gy) and zero (for x).
     *
     * @param op    the activation
     * @param gy    the gradient of its output
     * @param x     its input
     * @param alpha its parameter (slope or α)
     * @return the gradient of its input
     */
    public static Variable activationBackward(UnaryOp op, Variable gy, Variable x, double alpha) {
        if (op != UnaryOp.RELU && op != UnaryOp.LEAKY_RELU) {
            throw new IllegalArgumentException("activationBackward: " + op + " is not piecewise linear; differentiate it with its own op");
        }
        Tensor gx = be(gy).unaryBackward(op, gy.value(), x.value(), alpha);
        return record(op == UnaryOp.RELU ? Op.RELU_BACKWARD : Op.LEAKY_RELU_BACKWARD, gx,
                (out, g, n) -> new Variable[]{n[0] ? activationBackward(op, g, x, alpha) : null, null}, gy, x);
    }

    /**
     * x for x > 0, alpha·(eˣ − 1) otherwise.
     *
     * @param x     the input
     * @param alpha α
     * @return the result
     */
    public static Variable elu(Variable x, double alpha) {
        Tensor y = be(x).unary(UnaryOp.ELU, x.value(), alpha);
        return record(Op.ELU, y, (out, g, n) -> {
            // f' = 1 on the positive side, f + alpha on the negative side
            Variable pos = step(x);
            Variable negSide = constant(be(x).affine(pos.value(), -1, 1));
            Variable slope = add(pos, mul(negSide, addScalar(out, alpha)));
            return new Variable[]{mul(g, slope)};
        }, x);
    }

    /**
     * log(1 + eˣ).
     *
     * @param x the input
     * @return the result
     */
    public static Variable softplus(Variable x) {
        return record(Op.SOFTPLUS, apply(UnaryOp.SOFTPLUS, x), (out, g, n) -> new Variable[]{mul(g, sigmoid(x))}, x);
    }

    /**
     * tanh(x).
     *
     * @param x the input
     * @return the result
     */
    public static Variable tanh(Variable x) {
        Tensor y = apply(UnaryOp.TANH, x);
        return record(Op.TANH, y, (out, g, n) -> new Variable[]{mul(g, affine(square(out), -1, 1))}, x);
    }

    /**
     * 1 / (1 + e⁻ˣ).
     *
     * @param x the input
     * @return the result
     */
    public static Variable sigmoid(Variable x) {
        Tensor y = apply(UnaryOp.SIGMOID, x);
        return record(Op.SIGMOID, y, (out, g, n) -> new Variable[]{mul(g, mul(out, affine(out, -1, 1)))}, x);
    }

    /**
     * min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi (PyTorch).
     *
     * @param x  the input
     * @param lo the lower bound
     * @param hi the upper bound
     * @return the result
     */
    public static Variable clamp(Variable x, double lo, double hi) {
        Backend k = be(x);
        Tensor y = k.clamp(x.value(), lo, hi);
        return record(Op.CLAMP, y, (out, g, n) -> {
            Tensor inside = k.binary(BinaryOp.EQ, y, x.value());
            return new Variable[]{mul(g, constant(inside))};
        }, x);
    }

    // ================================================================= reductions

    /**
     * Sum of all elements (a scalar).
     *
     * @param x the input
     * @return the sum
     */
    public static Variable sum(Variable x) {
        return sum(x, false);
    }

    /**
     * Sum over {@code axes} (all when none given).
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes (negative counts from the end)
     * @return the sum
     */
    public static Variable sum(Variable x, boolean keepDims, int... axes) {
        return reduceLinear(Op.SUM, ReduceOp.SUM, x, keepDims, axes, 1.0);
    }

    /**
     * The mean of all elements (a scalar).
     *
     * @param x the input
     * @return the mean
     */
    public static Variable mean(Variable x) {
        return mean(x, false);
    }

    /**
     * The mean over {@code axes} (all when none are given).
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes (negative counts from the end)
     * @return the mean
     */
    public static Variable mean(Variable x, boolean keepDims, int... axes) {
        long count = x.shape().size() / reducedShape(x.shape(), axes).size();
        return reduceLinear(Op.MEAN, ReduceOp.MEAN, x, keepDims, axes, 1.0 / count);
    }

    private static Variable reduceLinear(Op name, ReduceOp op, Variable x, boolean keepDims, int[] axes, double factor) {
        Tensor y = be(x).reduce(op, x.value(), axes, keepDims);
        Shape kept = reducedShape(x.shape(), axes);
        return record(name, y, (out, g, n) -> {
            Variable gb = broadcastTo(reshape(g, kept), x.shape());
            return new Variable[]{factor == 1.0 ? gb : scale(gb, factor)};
        }, x);
    }

    /**
     * Max over axes; ties share the gradient equally (PyTorch's amax).
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes
     * @return the maximum
     */
    public static Variable max(Variable x, boolean keepDims, int... axes) {
        return extremeReduce(Op.MAX, ReduceOp.MAX, x, keepDims, axes);
    }

    /**
     * The minimum over {@code axes}; ties share the gradient equally.
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes
     * @return the minimum
     */
    public static Variable min(Variable x, boolean keepDims, int... axes) {
        return extremeReduce(Op.MIN, ReduceOp.MIN, x, keepDims, axes);
    }

    private static Variable extremeReduce(Op name, ReduceOp op, Variable x, boolean keepDims, int[] axes) {
        Backend k = be(x);
        Tensor y = k.reduce(op, x.value(), axes, keepDims);
        Shape kept = reducedShape(x.shape(), axes);
        return record(name, y, (out, g, n) -> {
            Tensor hit = k.binary(BinaryOp.EQ, x.value(), y.reshape(kept));
            Tensor count = k.reduce(ReduceOp.SUM, hit, axes, true);
            Variable share = constant(k.binary(BinaryOp.DIV, hit, count));
            return new Variable[]{mul(broadcastTo(reshape(g, kept), x.shape()), share)};
        }, x);
    }

    /**
     * ‖x‖₁ over axes; its gradient sign(x) is 0 at 0.
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes
     * @return the norm
     */
    public static Variable normL1(Variable x, boolean keepDims, int... axes) {
        return sum(abs(x), keepDims, axes);
    }

    /**
     * ‖x‖₂ over axes. At a zero vector the gradient is taken as 0 (a valid
     * subgradient) instead of 0/0, so penalties on exactly-zero input gradients
     * (saturated networks) stay finite.
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes
     * @return the norm
     */
    public static Variable normL2(Variable x, boolean keepDims, int... axes) {
        Backend k = be(x);
        Tensor y = k.reduce(ReduceOp.NORM_L2, x.value(), axes, keepDims);
        Shape kept = reducedShape(x.shape(), axes);
        return record(Op.NORM_L2, y, (out, g, n) -> {
            Variable norm = reshape(out, kept);
            Variable safe = add(norm, constant(k.binary(BinaryOp.EQ, norm.value(), k.full(Shape.scalar(), x.dtype(), 0))));
            return new Variable[]{mul(broadcastTo(reshape(g, kept), x.shape()), div(x, safe))};
        }, x);
    }

    /**
     * ‖x‖∞ over axes: max |x|, ties share the gradient.
     *
     * @param x        the input
     * @param keepDims whether reduced axes stay as size 1
     * @param axes     the axes
     * @return the norm
     */
    public static Variable normLinf(Variable x, boolean keepDims, int... axes) {
        return max(abs(x), keepDims, axes);
    }

    /** The shape of x with {@code axes} (all when empty) set to 1. */
    static Shape reducedShape(Shape x, int[] axes) {
        if (axes.length == 0) {
            int[] ones = new int[x.rank()];
            Arrays.fill(ones, 1);
            return Shape.of(ones);
        }
        return x.keeping(axes);
    }

    // ================================================================= shape

    /**
     * The same elements in a new shape.
     *
     * @param x    the input
     * @param dims the new dims (one may be -1)
     * @return the result
     */
    public static Variable reshape(Variable x, int... dims) {
        Tensor y = x.value().reshape(dims);
        return record(Op.RESHAPE, y, (out, g, n) -> new Variable[]{reshape(g, x.shape())}, x);
    }

    /**
     * The same elements in {@code shape}.
     *
     * @param x     the input
     * @param shape the new shape, of the same size
     * @return the result
     */
    public static Variable reshape(Variable x, Shape shape) {
        if (shape.equals(x.shape())) return x;
        return reshape(x, shape.dims());
    }

    /**
     * [N, ...] → [N, rest].
     *
     * @param x the input
     * @return the result
     */
    public static Variable flatten(Variable x) {
        return reshape(x, x.dim(0), -1);
    }

    /**
     * x repeated along size-1 (or missing leading) axes to {@code shape}.
     *
     * @param x     the input
     * @param shape the target shape
     * @return the result
     */
    public static Variable broadcastTo(Variable x, Shape shape) {
        if (x.shape().equals(shape)) return x;
        Tensor y = be(x).broadcastTo(x.value(), shape);
        return record(Op.BROADCAST_TO, y, (out, g, n) -> new Variable[]{sumTo(g, x.shape())}, x);
    }

    /**
     * Sums the broadcast axes of x away so it has {@code shape}: the adjoint of broadcasting.
     *
     * @param x     the input
     * @param shape the target shape
     * @return the result
     */
    public static Variable sumTo(Variable x, Shape shape) {
        if (x.shape().equals(shape)) return x;
        if (!shape.broadcastsTo(x.shape())) {
            throw new IllegalArgumentException("sumTo: " + x.shape() + " cannot be summed to " + shape);
        }
        int lead = x.shape().rank() - shape.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < x.shape().rank(); i++) {
            if (i < lead || (shape.dim(i - lead) == 1 && x.dim(i) != 1)) axes.add(i);
        }
        Variable s = sum(x, true, axes.stream().mapToInt(Integer::intValue).toArray());
        return reshape(s, shape);
    }

    /**
     * The axes of x reordered: output axis i is input axis {@code axes[i]}.
     *
     * @param x    the input
     * @param axes a permutation of the axes
     * @return the result
     */
    public static Variable permute(Variable x, int... axes) {
        Tensor y = be(x).permute(x.value(), axes);
        int[] inverse = new int[axes.length];
        for (int i = 0; i < axes.length; i++) inverse[x.shape().axis(axes[i])] = i;
        return record(Op.PERMUTE, y, (out, g, n) -> new Variable[]{permute(g, inverse)}, x);
    }

    /**
     * Elements {@code [start, end)} along {@code axis}.
     *
     * @param x     the input
     * @param axis  the axis
     * @param start the first index, inclusive
     * @param end   the last index, exclusive
     * @return the slice
     */
    public static Variable slice(Variable x, int axis, int start, int end) {
        Tensor y = be(x).slice(x.value(), axis, start, end);
        int a = x.shape().axis(axis);
        return record(Op.SLICE, y, (out, g, n) -> new Variable[]{padAlong(g, a, start, x.dim(a) - end)}, x);
    }

    /** Zero padding of {@code before} and {@code after} elements along one axis. */
    static Variable padAlong(Variable x, int axis, int before, int after) {
        List<Variable> parts = new ArrayList<>();
        if (before > 0) parts.add(constant(be(x).full(x.shape().withDim(axis, before), x.dtype(), 0)));
        parts.add(x);
        if (after > 0) parts.add(constant(be(x).full(x.shape().withDim(axis, after), x.dtype(), 0)));
        return parts.size() == 1 ? x : concat(parts, axis);
    }

    /**
     * The inputs joined along {@code axis}.
     *
     * @param xs   the inputs, equal in every other axis
     * @param axis the axis
     * @return the result
     */
    public static Variable concat(List<Variable> xs, int axis) {
        List<Tensor> ts = xs.stream().map(Variable::value).toList();
        Tensor y = be(xs.getFirst()).concat(ts, axis);
        int a = y.shape().axis(axis);
        return record(Op.CONCAT, y, (out, g, n) -> {
            Variable[] parts = new Variable[xs.size()];
            int at = 0;
            for (int i = 0; i < parts.length; i++) {
                int len = xs.get(i).dim(a);
                if (n[i]) parts[i] = slice(g, a, at, at + len);
                at += len;
            }
            return parts;
        }, xs.toArray(Variable[]::new));
    }

    // ================================================================= linear algebra

    /**
     * op(a) · op(b) for 2-d operands.
     *
     * @param a      the left operand
     * @param b      the right operand
     * @param transA whether to transpose a's last two axes
     * @param transB whether to transpose b's last two axes
     * @return the product
     */
    public static Variable matmul(Variable a, Variable b, boolean transA, boolean transB) {
        Tensor y = be(a).matmul(a.value(), b.value(), transA, transB);
        return record(Op.MATMUL, y, (out, g, n) -> {
            Variable ga = null, gb = null;
            if (!transA && !transB) {        // C = A B
                if (n[0]) ga = matmul(g, b, false, true);
                if (n[1]) gb = matmul(a, g, true, false);
            } else if (!transA) {            // C = A Bᵀ
                if (n[0]) ga = matmul(g, b, false, false);
                if (n[1]) gb = matmul(g, a, true, false);
            } else if (!transB) {            // C = Aᵀ B
                if (n[0]) ga = matmul(b, g, false, true);
                if (n[1]) gb = matmul(a, g, false, false);
            } else {                         // C = Aᵀ Bᵀ
                if (n[0]) ga = matmul(b, g, true, true);
                if (n[1]) gb = matmul(g, a, true, true);
            }
            return new Variable[]{ga, gb};
        }, a, b);
    }

    /**
     * a · b.
     *
     * @param a the left operand
     * @param b the right operand
     * @return the product
     */
    public static Variable matmul(Variable a, Variable b) {
        return matmul(a, b, false, false);
    }

    /**
     * x [N,in] · wᵀ + b: a fully connected layer (bias may be null).
     *
     * @param x    the input [N, in]
     * @param w    the weight [out, in]
     * @param bias the bias [out], or null
     * @return the output [N, out]
     */
    public static Variable linear(Variable x, Variable w, Variable bias) {
        Tensor y = be(x).linear(x.value(), w.value(), bias == null ? null : bias.value());
        BackwardRule rule = (out, g, n) -> new Variable[]{
                n[0] ? matmul(g, w, false, false) : null,
                n[1] ? matmul(g, x, true, false) : null,
                bias != null && n[2] ? sum(g, false, 0) : null};
        return bias == null ? record(Op.LINEAR, y, rule, x, w) : record(Op.LINEAR, y, rule, x, w, bias);
    }

    // ================================================================= convolution

    /**
     * A 2-d convolution of x [N,C,H,W] with w [out, C/groups, kh, kw], plus bias.
     *
     * @param x    the input
     * @param w    the weight
     * @param bias the bias [out], or null
     * @param spec stride, padding, dilation and groups
     * @return the output
     */
    public static Variable conv2d(Variable x, Variable w, Variable bias, Conv2dSpec spec) {
        Tensor y = be(x).conv2d(x.value(), w.value(), bias == null ? null : bias.value(), spec);
        BackwardRule rule = (out, g, n) -> {
            Variable gBias = bias != null && n[2] ? sum(g, false, 0, 2, 3) : null;
            if (n[0] && n[1] && !GradMode.isEnabled()) { // nothing records: both gradients in one backend call
                var d = be(x).conv2dBackward(x.value(), w.value(), g.value(), spec);
                return new Variable[]{constant(d.input()), constant(d.weight()), gBias};
            }
            return new Variable[]{
                    n[0] ? conv2dBackwardData(g, w, x.shape(), spec) : null,
                    n[1] ? conv2dBackwardWeights(x, g, w.shape(), spec) : null,
                    gBias};
        };
        return bias == null ? record(Op.CONV2D, y, rule, x, w) : record(Op.CONV2D, y, rule, x, w, bias);
    }

    /**
     * The input gradient of a convolution, linear in both gy and w.
     *
     * @param gy     the gradient of the output
     * @param w      the weight
     * @param xShape the input's shape
     * @param spec   the convolution's settings
     * @return the gradient of the input
     */
    public static Variable conv2dBackwardData(Variable gy, Variable w, Shape xShape, Conv2dSpec spec) {
        Tensor gx = be(gy).conv2dBackwardData(gy.value(), w.value(), xShape, spec);
        return record(Op.CONV2D_BACKWARD_DATA, gx, (out, g, n) -> new Variable[]{
                n[0] ? conv2d(g, w, null, spec) : null,
                n[1] ? conv2dBackwardWeights(g, gy, w.shape(), spec) : null}, gy, w);
    }

    /**
     * The weight gradient of a convolution, linear in both x and gy.
     *
     * @param x      the input
     * @param gy     the gradient of the output
     * @param wShape the weight's shape
     * @param spec   the convolution's settings
     * @return the gradient of the weight
     */
    public static Variable conv2dBackwardWeights(Variable x, Variable gy, Shape wShape, Conv2dSpec spec) {
        Tensor gw = be(x).conv2dBackwardWeights(x.value(), gy.value(), wShape, spec);
        return record(Op.CONV2D_BACKWARD_WEIGHTS, gw, (out, g, n) -> new Variable[]{
                n[0] ? conv2dBackwardData(gy, g, x.shape(), spec) : null,
                n[1] ? conv2d(x, g, null, spec) : null}, x, gy);
    }

    // ================================================================= pooling

    /**
     * Max pooling; the gradient goes to the first maximum of each window (PyTorch).
     *
     * @param x    the input [N,C,H,W]
     * @param spec the window, stride and padding
     * @return the output
     */
    public static Variable maxPool2d(Variable x, Pool2dSpec spec) {
        MaxPoolResult r = be(x).maxPool2d(x.value(), spec);
        Tensor indices = r.indices();
        return record(Op.MAX_POOL2D, r.values(),
                (out, g, n) -> new Variable[]{maxPool2dBackward(g, indices, x.shape(), spec)}, x);
    }

    /**
     * Scatter of gy to the recorded argmax positions; linear in gy.
     *
     * @param gy      the gradient of the output
     * @param indices the argmax positions of the forward pass
     * @param xShape  the input's shape
     * @param spec    the pooling's settings
     * @return the gradient of the input
     */
    public static Variable maxPool2dBackward(Variable gy, Tensor indices, Shape xShape, Pool2dSpec spec) {
        Tensor gx = be(gy).maxPool2dBackward(gy.value(), indices, xShape, spec);
        return record(Op.MAX_POOL2D_BACKWARD, gx,
                (out, g, n) -> new Variable[]{maxPool2dGather(g, indices, spec)}, gy);
    }

    /**
     * Gather at the recorded argmax positions; the adjoint of the scatter.
     *
     * @param gx      a tensor of the input's shape
     * @param indices the argmax positions of the forward pass
     * @param spec    the pooling's settings
     * @return the gathered values, of the output's shape
     */
    public static Variable maxPool2dGather(Variable gx, Tensor indices, Pool2dSpec spec) {
        Tensor y = be(gx).maxPool2dGather(gx.value(), indices, spec);
        return record(Op.MAX_POOL2D_GATHER, y,
                (out, g, n) -> new Variable[]{maxPool2dBackward(g, indices, gx.shape(), spec)}, gx);
    }

    /**
     * Average pooling.
     *
     * @param x    the input [N,C,H,W]
     * @param spec the window, stride, padding and whether padding counts
     * @return the output
     */
    public static Variable avgPool2d(Variable x, Pool2dSpec spec) {
        Tensor y = be(x).avgPool2d(x.value(), spec);
        return record(Op.AVG_POOL2D, y, (out, g, n) -> new Variable[]{avgPool2dBackward(g, x.shape(), spec)}, x);
    }

    /**
     * The gradient of average pooling's input (itself differentiable: its gradient is average pooling).
     *
     * @param gy     the gradient of the output
     * @param xShape the input's shape
     * @param spec   the pooling's settings
     * @return the gradient of the input
     */
    public static Variable avgPool2dBackward(Variable gy, Shape xShape, Pool2dSpec spec) {
        Tensor gx = be(gy).avgPool2dBackward(gy.value(), xShape, spec);
        return record(Op.AVG_POOL2D_BACKWARD, gx, (out, g, n) -> new Variable[]{avgPool2d(g, spec)}, gy);
    }

    /**
     * Mean over the spatial axes: [N,C,H,W] → [N,C].
     *
     * @param x the input
     * @return the means
     */
    public static Variable globalAvgPool(Variable x) {
        if (x.shape().rank() != 4) throw new IllegalArgumentException("globalAvgPool: input must be [N,C,H,W], got " + x.shape());
        return mean(x, false, 2, 3);
    }

    // ================================================================= softmax

    /**
     * The softmax along {@code axis}.
     *
     * @param x    the input
     * @param axis the axis
     * @return the probabilities
     */
    public static Variable softmax(Variable x, int axis) {
        Tensor y = be(x).softmax(x.value(), axis);
        return record(Op.SOFTMAX, y, (out, g, n) -> {
            // dx = y ⊙ (g − Σ g ⊙ y)
            return new Variable[]{mul(out, sub(g, sum(mul(g, out), true, axis)))};
        }, x);
    }

    /**
     * The log of the softmax along {@code axis}, computed stably.
     *
     * @param x    the input
     * @param axis the axis
     * @return the log-probabilities
     */
    public static Variable logSoftmax(Variable x, int axis) {
        Tensor y = be(x).logSoftmax(x.value(), axis);
        return record(Op.LOG_SOFTMAX, y, (out, g, n) -> new Variable[]{logSoftmaxBackward(g, out, axis)}, x);
    }

    /**
     * gy − softmax ⊙ Σ gy, with softmax = exp(y) for y = logSoftmax(x): a fused kernel.
     *
     * @param gy   the gradient of the output
     * @param y    the log-softmax output
     * @param axis the axis
     * @return the gradient of the input
     */
    public static Variable logSoftmaxBackward(Variable gy, Variable y, int axis) {
        Tensor gx = be(gy).logSoftmaxBackward(gy.value(), y.value(), axis);
        return record(Op.LOG_SOFTMAX_BACKWARD, gx, (out, g, n) -> {
            Variable p = exp(y);
            Variable dGy = n[0] ? sub(g, sum(mul(g, p), true, axis)) : null;
            Variable dY = n[1] ? neg(mul(mul(g, p), sum(gy, true, axis))) : null;
            return new Variable[]{dGy, dY};
        }, gy, y);
    }

    // ================================================================= batch norm

    /**
     * Training-mode batch norm over channel axis 1 with batch statistics (biased
     * variance). The forward kernel is fused, and so is every backward: one
     * that records nothing (plain training, the last backward of double
     * backprop) runs the backend's {@code batchNormBackward} on the forward's
     * statistics; one that records (the first backward of double backprop)
     * records that kernel's input gradient as an op whose own gradient is the
     * backend's {@code batchNormDoubleBackward}, so double backprop through batch
     * norm is exact and builds no graph of element-wise ops (γ's and β's gradients,
     * when recorded, are written as formulas). Returns the output and the batch
     * mean and variance for the running statistics.
     *
     * @param x     the input [N,C,...]
     * @param gamma the scale per channel
     * @param beta  the shift per channel
     * @param eps   added to the variance
     * @return the output and the batch statistics
     */
    public static BatchNormOutput batchNorm(Variable x, Variable gamma, Variable beta, double eps) {
        var r = be(x).batchNormTraining(x.value(), gamma.value(), beta.value(), eps);
        Variable y = record(Op.BATCH_NORM, r.output(), (out, g, n) -> {
            if (!GradMode.isEnabled()) { // nothing records this pass: one fused kernel from the forward's statistics
                var d = be(x).batchNormBackward(x.value(), gamma.value(), r.mean(), r.variance(), g.value(), eps);
                return new Variable[]{n[0] ? constant(d.input()) : null, n[1] ? constant(d.gamma()) : null,
                        n[2] ? constant(d.beta()) : null};
            }
            // recorded (the first backward of double backprop): the input gradient from the fused kernel,
            // differentiated by the fused second-order kernel; γ's and β's, rarely recorded, as formulas
            Variable dx = n[0] ? batchNormInputGradient(g, x, gamma, r, eps) : null;
            if (!n[1] && !n[2]) return new Variable[]{dx, null, null};
            int[] axes = statAxes(x.shape());
            Variable xc = sub(x, mean(x, true, axes));
            Variable xHat = mul(xc, reciprocal(sqrt(addScalar(mean(square(xc), true, axes), eps))));
            return new Variable[]{dx,
                    n[1] ? reshape(sum(mul(g, xHat), true, axes), gamma.shape()) : null,
                    n[2] ? reshape(sum(g, true, axes), beta.shape()) : null};
        }, x, gamma, beta);
        return new BatchNormOutput(y, r.mean(), r.variance());
    }

    /**
     * Batch norm's input gradient γ·inv·(g − mean(g) − x̂·mean(g·x̂)) by the backend's fused
     * kernel, recorded with the fused second-order rule (Backend#batchNormDoubleBackward).
     * That rule records nothing: the double backprop of the exact penalty differentiates
     * this gradient once; differentiating it again (third order) is refused.
     */
    private static Variable batchNormInputGradient(Variable g, Variable x, Variable gamma, BatchNormResult r, double eps) {
        Tensor gx = be(x).batchNormBackward(x.value(), gamma.value(), r.mean(), r.variance(), g.value(), eps).input();
        return record(Op.BATCH_NORM_BACKWARD, gx, (out, u, n) -> {
            if (GradMode.isEnabled()) {
                throw new UnsupportedOperationException("batch norm's input gradient can be differentiated once (double backprop), "
                        + "not with createGraph again: third derivatives of batch norm are not supported");
            }
            var d = be(x).batchNormDoubleBackward(x.value(), gamma.value(), r.mean(), r.variance(), g.value(), u.value(), eps);
            return new Variable[]{n[0] ? constant(d.gradOutput()) : null, n[1] ? constant(d.input()) : null,
                    n[2] ? constant(d.gamma()) : null};
        }, g, x, gamma);
    }

    /**
     * Output and batch statistics of {@link #batchNorm}.
     *
     * @param output   the normalized output
     * @param mean     the batch mean per channel
     * @param variance the biased batch variance per channel
     */
    public record BatchNormOutput(Variable output, Tensor mean, Tensor variance) {
    }

    /**
     * Inference-mode batch norm with fixed statistics: an affine map per channel.
     *
     * @param x        the input [N,C,...]
     * @param gamma    the scale per channel
     * @param beta     the shift per channel
     * @param mean     the running mean per channel
     * @param variance the running variance per channel
     * @param eps      added to the variance
     * @return the output
     */
    public static Variable batchNormInference(Variable x, Variable gamma, Variable beta, Tensor mean, Tensor variance, double eps) {
        Backend k = be(x);
        Tensor y = k.batchNormInference(x.value(), gamma.value(), beta.value(), mean, variance, eps);
        return record(Op.BATCH_NORM_INFERENCE, y, (out, g, n) -> {
            Shape cs = channelShape(x.shape());
            Variable inv = constant(k.unary(UnaryOp.RECIPROCAL, k.unary(UnaryOp.SQRT, k.affine(variance, 1, eps))).reshape(cs));
            Variable xHat = n[1] ? mul(sub(x, constant(mean.reshape(cs))), inv) : null;
            return new Variable[]{
                    n[0] ? mul(g, mul(reshape(gamma, cs), inv)) : null,
                    n[1] ? reshape(sumTo(mul(g, xHat), cs), gamma.shape()) : null,
                    n[2] ? reshape(sumTo(g, cs), gamma.shape()) : null};
        }, x, gamma, beta);
    }

    private static int[] statAxes(Shape s) {
        int[] axes = new int[s.rank() - 1];
        axes[0] = 0;
        for (int i = 2; i < s.rank(); i++) axes[i - 1] = i;
        return axes;
    }

    private static Shape channelShape(Shape x) {
        int[] d = new int[x.rank()];
        Arrays.fill(d, 1);
        d[1] = x.dim(1);
        return Shape.of(d);
    }

    // ================================================================= custom ops

    /**
     * Applies an op defined outside this table (see {@link CustomOp}): its
     * forward and backward run the op's own code; differentiating its backward
     * runs {@link CustomOp#secondOrder()} or, when there is none, fails.
     *
     * @param op     the op
     * @param inputs its inputs
     * @return the recorded output
     */
    public static Variable custom(CustomOp op, Variable... inputs) {
        List<Tensor> xs = values(inputs);
        Tensor y = op.forward(xs);
        if (y == null) throw new IllegalStateException("custom op " + op.name() + ": forward returned null");
        return record(Op.CUSTOM, op.name(), y, (out, g, n) -> {
            Tensor[] gx = op.backward(xs, out.value(), g.value(), n.clone());
            requireArity(op.name() + ": backward", gx, inputs.length);
            Variable[] gin = new Variable[inputs.length];
            Variable[] backwardInputs = prepend(g, inputs);
            for (int k = 0; k < gin.length; k++) {
                if (!n[k] || gx[k] == null) continue;
                int which = k;
                gin[k] = record(Op.CUSTOM_BACKWARD, op.name() + "_backward", gx[k],
                        (gk, u, m) -> customSecondOrder(op, backwardInputs, out.value(), which, u, m), backwardInputs);
            }
            return gin;
        }, inputs);
    }

    /**
     * The gradient of a custom op's input gradient {@code k} with respect to
     * {@code backwardInputs} (gradOutput, then the op's inputs), by the op's second-order rule.
     */
    private static Variable[] customSecondOrder(CustomOp op, Variable[] backwardInputs, Tensor y, int k, Variable u, boolean[] needed) {
        CustomOp.SecondOrder second = op.secondOrder();
        if (second == null) {
            throw new UnsupportedOperationException("custom op " + op.name() + " supports first-order gradients only: "
                    + "its gradient cannot be differentiated again (createGraph through it needs a CustomOp.secondOrder rule)");
        }
        List<Tensor> xs = values(backwardInputs).subList(1, backwardInputs.length);
        Tensor[] r = second.backward(xs, y, backwardInputs[0].value(), k, u.value(), needed.clone());
        requireArity(op.name() + ": second-order backward", r, needed.length);
        Variable[] out = new Variable[r.length];
        for (int i = 0; i < r.length; i++) {
            if (!needed[i] || r[i] == null) continue;
            // recorded so that a third derivative fails loudly instead of reading as zero
            out[i] = record(Op.CUSTOM_BACKWARD, op.name() + "_second_order", r[i], (o, h, m) -> {
                throw new UnsupportedOperationException("custom op " + op.name() + " supports gradients up to second order only");
            }, prepend(u, backwardInputs));
        }
        return out;
    }

    private static List<Tensor> values(Variable[] vs) {
        List<Tensor> ts = new ArrayList<>(vs.length);
        for (Variable v : vs) ts.add(v.value());
        return List.copyOf(ts);
    }

    private static Variable[] prepend(Variable first, Variable... rest) {
        Variable[] all = new Variable[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static void requireArity(String what, Tensor[] r, int expected) {
        if (r == null || r.length != expected) {
            throw new IllegalStateException(what + " returned " + (r == null ? "null" : r.length + " gradients")
                    + ", expected one entry per input (" + expected + ")");
        }
    }

    // ================================================================= indexing, dropout

    /**
     * [N] integer labels → [N, classes] constant one-hot rows in x's dtype.
     *
     * @param labels  the labels
     * @param classes the class count
     * @param like    gives the dtype and backend
     * @return the one-hot rows, a constant
     */
    public static Variable oneHot(Tensor labels, int classes, Variable like) {
        return constant(be(like).oneHot(labels, classes, like.dtype()));
    }

    /**
     * Multiplies by a fixed 0/(1/(1−p)) mask (inverted dropout); the mask is a constant.
     *
     * @param x        the input
     * @param keepMask 1 where kept, 0 where dropped
     * @param p        the drop probability
     * @return the result
     */
    public static Variable dropout(Variable x, Tensor keepMask, double p) {
        return mul(x, constant(be(x).affine(keepMask, 1.0 / (1.0 - p), 0)));
    }
}
