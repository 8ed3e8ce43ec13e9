package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/**
 * Per-image tensor arithmetic on batches [N, ...]: norms over each image,
 * per-image scalars as [N,1,...,1] columns that broadcast against the batch,
 * and exact selection between two batches. All element work is backend ops.
 */
public final class PerImage {
    /** Guards divisions by a norm: 0/max(0, TINY) = 0, so zero gradients give zero steps. */
    static final double TINY = 1e-30;

    private PerImage() {
    }

    /**
     * Axes 1..rank-1: the features of one image.
     *
     * @param x a batch
     * @return the axes
     */
    public static int[] featureAxes(Tensor x) {
        int[] a = new int[x.rank() - 1];
        for (int i = 0; i < a.length; i++) a[i] = i + 1;
        return a;
    }

    /**
     * ‖x_i‖ per image as a [N,1,...,1] column.
     *
     * @param x  a batch
     * @param op the norm's reduction
     * @return the norms as a column
     */
    public static Tensor normColumn(Tensor x, ReduceOp op) {
        return x.backend().reduce(op, x, featureAxes(x), true);
    }

    /**
     * ‖x_i‖ per image.
     *
     * @param x  a batch
     * @param op the norm's reduction
     * @return the norms
     */
    public static double[] norms(Tensor x, ReduceOp op) {
        return x.backend().reduce(op, x, featureAxes(x), false).toDoubleArray();
    }

    /**
     * ‖x_i‖ per image in {@code norm}.
     *
     * @param x    a batch
     * @param norm the norm
     * @return the norms
     */
    public static double[] norms(Tensor x, Norm norm) {
        return norms(x, norm.reduceOp());
    }

    /**
     * v_i as a [N,1,...,1] tensor of {@code like}'s backend and dtype.
     *
     * @param v    one value per image
     * @param like a batch giving the rank, backend and dtype
     * @return the column
     */
    public static Tensor column(double[] v, Tensor like) {
        int[] dims = new int[like.rank()];
        Arrays.fill(dims, 1);
        dims[0] = v.length;
        return fromDoubles(like.backend(), like.dtype(), v, Shape.of(dims));
    }

    /**
     * 1 where {@code m[i]}, else 0, as a column.
     *
     * @param m    one flag per image
     * @param like a batch giving the rank, backend and dtype
     * @return the mask column
     */
    public static Tensor mask(boolean[] m, Tensor like) {
        double[] v = new double[m.length];
        for (int i = 0; i < m.length; i++) v[i] = m[i] ? 1 : 0;
        return column(v, like);
    }

    /**
     * a where mask is 1, b where it is 0; exact (a·m + b·(1−m)), so a selected image is bit-identical to its source.
     *
     * @param mask a 0/1 column
     * @param a    the batch where the mask is 1
     * @param b    the batch where the mask is 0
     * @return the selection
     */
    public static Tensor select(Tensor mask, Tensor a, Tensor b) {
        Backend k = a.backend();
        return k.binary(BinaryOp.ADD, k.binary(BinaryOp.MUL, a, mask), k.binary(BinaryOp.MUL, b, k.affine(mask, -1, 1)));
    }

    /**
     * x + column ⊙ d.
     *
     * @param x      a batch
     * @param column one factor per image
     * @param d      a batch of directions
     * @return the sum
     */
    public static Tensor addScaled(Tensor x, Tensor column, Tensor d) {
        Backend k = x.backend();
        return k.binary(BinaryOp.ADD, x, k.binary(BinaryOp.MUL, column, d));
    }

    /**
     * d / ‖d‖₂ per image; images with d = 0 stay 0.
     *
     * @param d a batch of directions
     * @return the unit directions
     */
    public static Tensor unitL2(Tensor d) {
        Backend k = d.backend();
        Tensor n = k.binary(BinaryOp.MAX, normColumn(d, ReduceOp.NORM_L2), k.full(Shape.scalar(), d.dtype(), TINY));
        return k.binary(BinaryOp.DIV, d, n);
    }

    /**
     * The first maximum of each row of logits [N,K].
     *
     * @param logits the logits
     * @return each row's predicted class
     */
    public static int[] argmax(Tensor logits) {
        long[] l = logits.backend().argmax(logits, 1).toLongArray();
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) r[i] = (int) l[i];
        return r;
    }

    /**
     * Logits of a batch, without recording a graph.
     *
     * @param model the model
     * @param x     the batch
     * @return the logits
     */
    public static Tensor logits(Module model, Tensor x) {
        try (GradMode.Restore off = GradMode.disabled()) {
            return model.forward(Variable.constant(x)).value();
        }
    }

    /**
     * A tensor of the given dtype filled from doubles (rounded once for FLOAT32).
     *
     * @param k     the backend
     * @param dtype the dtype
     * @param v     the values
     * @param shape the shape
     * @return the tensor
     */
    public static Tensor fromDoubles(Backend k, DType dtype, double[] v, Shape shape) {
        if (dtype == DType.FLOAT64) return k.fromArray(v, shape);
        if (dtype != DType.FLOAT32) throw new IllegalArgumentException("expected a floating dtype, got " + dtype);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return k.fromArray(f, shape);
    }
}
