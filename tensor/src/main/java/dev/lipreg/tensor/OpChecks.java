package dev.lipreg.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Argument checks shared by the backends, so every backend rejects the same
 * bad input with the same message (op name first, then the shapes). Ownership
 * and dtype support are each backend's own business.
 */
public final class OpChecks {
    private OpChecks() {
    }

    /** Runs a {@link Shape} check, prefixing its message with the op's name. */
    public static <T> T named(String op, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    public static int axis(String op, Shape shape, int axis) {
        return named(op, () -> shape.axis(axis));
    }

    public static Shape broadcast(String op, Shape a, Shape b) {
        return named(op, () -> Shape.broadcast(a, b));
    }

    public static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) throw new IllegalArgumentException(op + ": shapes differ: " + a.shape() + " and " + b.shape());
    }

    public static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    /** The normalized permutation, every axis exactly once. */
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

    /** The normalized axis of a slice [start, end) of {@code x}. */
    public static int slice(Shape x, int axis, int start, int end) {
        int a = axis("slice", x, axis);
        if (start < 0 || end > x.dim(a) || start > end) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") outside axis " + a + " of " + x);
        }
        return a;
    }

    /** The shape of concatenating {@code xs} along {@code axis}: same rank, dtype and sizes off that axis. */
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

    /** Batch norm's channel count: x is [N,C,...] and each per-channel tensor [C]. */
    public static int channels(String op, Tensor x, Tensor... perChannel) {
        if (x.rank() < 2) throw new IllegalArgumentException(op + ": input must be [N,C,...], got " + x.shape());
        int c = x.dim(1);
        for (Tensor t : perChannel) {
            if (!t.shape().equals(Shape.of(c))) {
                throw new IllegalArgumentException(op + ": per-channel tensor must be [" + c + "] for input " + x.shape() + ", got " + t.shape());
            }
        }
        return c;
    }

    /** Max-pool scatter/gather: gradient and INT32 indices both of the pooled shape. */
    public static void poolIndices(String op, Shape gy, Tensor indices, Shape expected) {
        if (indices.dtype() != DType.INT32 || !indices.shape().equals(expected) || !gy.equals(expected)) {
            throw new IllegalArgumentException(op + ": expected gradient and INT32 indices of shape " + expected + ", got "
                    + gy + " and " + indices.dtype() + indices.shape());
        }
    }
}
