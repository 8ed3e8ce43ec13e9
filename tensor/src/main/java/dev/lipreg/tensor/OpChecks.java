package dev.lipreg.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The argument checks of every op, written once so every backend rejects the
 * same bad input with the same message (op name first, then the shapes). Each
 * check returns what the op needs next — usually the output shape. Ownership
 * and dtype policy are {@link KernelBackend}'s; these look at shapes and values.
 */
public final class OpChecks {
    private OpChecks() {
    }

    /**
     * Runs a {@link Shape} check, prefixing its message with the op's name.
     *
     * @param <T>   the check's result
     * @param op    the op's name
     * @param check the check
     * @return its result
     */
    public static <T> T named(String op, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    /**
     * The normalized {@code axis} of {@code shape}; messages name {@code op}.
     *
     * @param op    the op's name
     * @param shape the shape
     * @param axis  the axis, possibly negative
     * @return the axis in [0, rank)
     */
    public static int axis(String op, Shape shape, int axis) {
        return named(op, () -> shape.axis(axis));
    }

    /**
     * The broadcast of two shapes; messages name {@code op}.
     *
     * @param op the op's name
     * @param a  one shape
     * @param b  the other
     * @return the broadcast shape
     */
    public static Shape broadcast(String op, Shape a, Shape b) {
        return named(op, () -> Shape.broadcast(a, b));
    }

    /**
     * The common shape of two tensors that must match exactly.
     *
     * @param op the op's name
     * @param a  one tensor
     * @param b  the other
     * @return the shape
     */
    public static Shape sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) throw new IllegalArgumentException(op + ": shapes differ: " + a.shape() + " and " + b.shape());
        return a.shape();
    }

    /**
     * {@code 0 … rank−1}.
     *
     * @param rank the rank
     * @return the axes
     */
    public static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    // ------------------------------------------------------------ memory

    /**
     * {@code host} holds exactly shape × dtype bytes.
     *
     * @param host  the bytes
     * @param shape the shape
     * @param dtype the element type
     */
    public static void hostBytes(MemorySegment host, Shape shape, DType dtype) {
        long bytes = shape.size() * dtype.byteSize();
        if (host.byteSize() != bytes) {
            throw new IllegalArgumentException("fromHost: " + host.byteSize() + " bytes given for " + dtype + shape + " (" + bytes + " bytes)");
        }
    }

    /**
     * {@code dst} and {@code src} have the same shape and dtype.
     *
     * @param dst the destination
     * @param src the source
     */
    public static void copyInto(Tensor dst, Tensor src) {
        if (!dst.shape().equals(src.shape()) || dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("copyInto: destination " + dst.dtype() + dst.shape() + " differs from source "
                    + src.dtype() + src.shape());
        }
    }

    // ------------------------------------------------------------ element-wise and reductions

    /**
     * {@code lo ≤ hi}.
     *
     * @param lo the lower bound
     * @param hi the upper bound
     */
    public static void clamp(double lo, double hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " above upper bound " + hi);
    }

    /**
     * Which axes a reduction folds, its shape with them kept as 1, and its output shape.
     *
     * @param reduced per axis, whether it is reduced
     * @param kept    the shape with reduced axes as 1
     * @param output  the output shape
     */
    public record Reduction(boolean[] reduced, Shape kept, Shape output) {
    }

    /**
     * {@code axes} (all when empty) of x, each valid.
     *
     * @param op       the op's name
     * @param x        the input's shape
     * @param axes     the axes
     * @param keepDims whether reduced axes stay as size 1
     * @return the reduction
     */
    public static Reduction reduce(String op, Shape x, int[] axes, boolean keepDims) {
        int[] ax = axes.length == 0 ? allAxes(x.rank()) : axes;
        Shape kept = named(op, () -> x.keeping(ax)); // validates the axes
        boolean[] reduced = new boolean[x.rank()];
        for (int a : ax) reduced[x.axis(a)] = true;
        return new Reduction(reduced, kept, keepDims ? kept : x.without(ax));
    }

    /**
     * The normalized axis of an argmax; the axis must not be empty.
     *
     * @param x    the input's shape
     * @param axis the axis
     * @return the axis in [0, rank)
     */
    public static int argmax(Shape x, int axis) {
        int a = axis("argmax", x, axis);
        if (x.dim(a) == 0) throw new IllegalArgumentException("argmax: axis " + a + " of " + x + " is empty");
        return a;
    }

    /**
     * {@code x} broadcasts to {@code shape}.
     *
     * @param x     the input's shape
     * @param shape the target shape
     * @return {@code shape}
     */
    public static Shape broadcastTo(Shape x, Shape shape) {
        if (!x.broadcastsTo(shape)) throw new IllegalArgumentException("broadcastTo: " + x + " cannot broadcast to " + shape);
        return shape;
    }

    // ------------------------------------------------------------ linear algebra

    /**
     * The [m, n] shape of op(a) · op(b).
     *
     * @param a      the left operand's shape
     * @param b      the right operand's shape
     * @param transA whether a is transposed
     * @param transB whether b is transposed
     * @return the product's shape
     */
    public static Shape matmul(Shape a, Shape b, boolean transA, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: expected 2-d operands, got " + a + " and " + b);
        }
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + a + (transA ? "ᵀ" : "") + " · " + b + (transB ? "ᵀ" : ""));
        }
        return Shape.of(m, n);
    }

    /**
     * The [N, out] shape of x [N,in] · wᵀ + bias [out].
     *
     * @param x    the input's shape
     * @param w    the weight's shape
     * @param bias the bias's shape, or null
     * @return the output's shape
     */
    public static Shape linear(Shape x, Shape w, Shape bias) {
        if (x.rank() != 2 || w.rank() != 2 || x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: expected x [N,in] and w [out,in], got " + x + " and " + w);
        }
        if (bias != null && !bias.equals(Shape.of(w.dim(0)))) {
            throw new IllegalArgumentException("linear: bias must be [" + w.dim(0) + "] for weights " + w + ", got " + bias);
        }
        return Shape.of(x.dim(0), w.dim(0));
    }

    // ------------------------------------------------------------ convolution

    /**
     * The output shape of a convolution, the bias [OC] or absent.
     *
     * @param x    the input's shape
     * @param w    the weight's shape
     * @param bias the bias's shape, or null
     * @param spec the convolution's settings
     * @return the output's shape
     */
    public static Shape conv2d(Shape x, Shape w, Shape bias, Conv2dSpec spec) {
        Shape out = spec.outputShape(x, w);
        if (bias != null && !bias.equals(Shape.of(w.dim(0)))) {
            throw new IllegalArgumentException("conv2d: bias must be [" + w.dim(0) + "], got " + bias);
        }
        return out;
    }

    /**
     * The convolution's output shape, which gy must have.
     *
     * @param op   the op's name
     * @param gy   the output gradient's shape
     * @param x    the input's shape
     * @param w    the weight's shape
     * @param spec the convolution's settings
     * @return the output's shape
     */
    public static Shape conv2dGradient(String op, Shape gy, Shape x, Shape w, Conv2dSpec spec) {
        Shape out = spec.outputShape(x, w);
        if (!gy.equals(out)) {
            throw new IllegalArgumentException(op + ": gradient " + gy + " does not match output " + out + " of input " + x + " and weights " + w);
        }
        return out;
    }

    // ------------------------------------------------------------ pooling

    /**
     * The pooled shape (the spec's own message, which names pool2d, on bad input).
     *
     * @param x    the input's shape
     * @param spec the pooling's settings
     * @return the output's shape
     */
    public static Shape pool(Shape x, Pool2dSpec spec) {
        return spec.outputShape(x);
    }

    /**
     * The pooled shape of input {@code x}, which gy must have.
     *
     * @param op   the op's name
     * @param gy   the output gradient's shape
     * @param x    the input's shape
     * @param spec the pooling's settings
     * @return the output's shape
     */
    public static Shape poolGradient(String op, Shape gy, Shape x, Pool2dSpec spec) {
        Shape out = pool(x, spec);
        if (!gy.equals(out)) throw new IllegalArgumentException(op + ": gradient " + gy + " does not match output " + out + " of input " + x);
        return out;
    }

    /**
     * Max-pool scatter/gather: gradient and INT32 indices both of the pooled shape.
     *
     * @param op       the op's name
     * @param gy       the output gradient's shape
     * @param indices  the positions of the maxima
     * @param expected the pooled shape
     */
    public static void poolIndices(String op, Shape gy, Tensor indices, Shape expected) {
        if (indices.dtype() != DType.INT32 || !indices.shape().equals(expected) || !gy.equals(expected)) {
            throw new IllegalArgumentException(op + ": expected gradient and INT32 indices of shape " + expected + ", got "
                    + gy + " and " + indices.dtype() + indices.shape());
        }
    }

    // ------------------------------------------------------------ batch norm

    /**
     * Batch norm's channel count: x is a non-empty [N,C,...] and each per-channel tensor [C].
     *
     * @param op         the op's name
     * @param x          the input
     * @param perChannel the per-channel tensors
     * @return the channel count
     */
    public static int channels(String op, Tensor x, Tensor... perChannel) {
        if (x.rank() < 2) throw new IllegalArgumentException(op + ": input must be [N,C,...], got " + x.shape());
        int c = x.dim(1);
        for (Tensor t : perChannel) {
            if (!t.shape().equals(Shape.of(c))) {
                throw new IllegalArgumentException(op + ": per-channel tensor must be [" + c + "] for input " + x.shape() + ", got " + t.shape());
            }
        }
        // batch statistics of nothing are undefined; every backend refuses rather than return NaN or garbage
        if (x.size() == 0) throw new IllegalArgumentException(op + ": input " + x.shape() + " is empty");
        return c;
    }

    // ------------------------------------------------------------ indexing and layout

    /**
     * The [N, classes] shape of a one-hot of 1-d integer labels.
     *
     * @param labels  the labels
     * @param classes the class count
     * @return the output's shape
     */
    public static Shape oneHot(Tensor labels, int classes) {
        if (labels.rank() != 1 || labels.dtype().isFloating()) {
            throw new IllegalArgumentException("oneHot: labels must be a 1-d integer tensor, got " + labels.dtype() + labels.shape());
        }
        if (classes < 0) throw new IllegalArgumentException("oneHot: classes must be >= 0, got " + classes);
        return Shape.of(labels.dim(0), classes);
    }

    /**
     * The normalized permutation, every axis exactly once.
     *
     * @param shape the shape
     * @param axes  the permutation, possibly with negative axes
     * @return the normalized permutation
     */
    public static int[] permutation(Shape shape, int[] axes) {
        if (axes.length != shape.rank()) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(axes) + " is not a permutation of the axes of " + shape);
        }
        int[] p = new int[axes.length];
        boolean[] seen = new boolean[axes.length];
        for (int i = 0; i < axes.length; i++) {
            p[i] = axis("permute", shape, axes[i]);
            if (seen[p[i]]) throw new IllegalArgumentException("permute: axis " + axes[i] + " repeated in " + Arrays.toString(axes));
            seen[p[i]] = true;
        }
        return p;
    }

    /**
     * The shape of x with its axes in the order {@code perm} (normalized).
     *
     * @param x    the shape
     * @param perm the normalized permutation
     * @return the permuted shape
     */
    public static Shape permuted(Shape x, int[] perm) {
        int[] d = new int[perm.length];
        for (int i = 0; i < perm.length; i++) d[i] = x.dim(perm[i]);
        return Shape.of(d);
    }

    /**
     * The normalized axis of a slice [start, end) of {@code x}.
     *
     * @param x     the input's shape
     * @param axis  the axis
     * @param start the first index, inclusive
     * @param end   the last index, exclusive
     * @return the axis in [0, rank)
     */
    public static int slice(Shape x, int axis, int start, int end) {
        int a = axis("slice", x, axis);
        if (start < 0 || end > x.dim(a) || start > end) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") outside axis " + a + " of " + x);
        }
        return a;
    }

    /**
     * The shape of concatenating {@code xs} along {@code axis}: same rank, dtype and sizes off that axis.
     *
     * @param xs   the inputs
     * @param axis the axis
     * @return the output's shape
     */
    public static Shape concat(List<Tensor> xs, int axis) {
        if (xs.isEmpty()) throw new IllegalArgumentException("concat: no tensors given");
        Tensor first = xs.getFirst();
        int a = axis("concat", first.shape(), axis);
        int total = 0;
        for (Tensor t : xs) {
            if (t.rank() != first.rank() || t.dtype() != first.dtype()
                    || !t.shape().withDim(a, 1).equals(first.shape().withDim(a, 1))) {
                throw new IllegalArgumentException("concat: " + t.dtype() + t.shape() + " does not match " + first.dtype()
                        + first.shape() + " outside axis " + a);
            }
            total += t.dim(a);
        }
        return first.shape().withDim(a, total);
    }
}
