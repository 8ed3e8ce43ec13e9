package dev.lipreg.tensor;

import java.util.Arrays;

/** An immutable N-d shape, row-major (NCHW for images). */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            n = Math.multiplyExact(n, d);
        }
        this.dims = dims;
        this.size = n;
    }

    /**
     * The shape with {@code dims} (none: a scalar).
     *
     * @param dims the dimensions, each at least 0
     * @return the shape
     */
    public static Shape of(int... dims) {
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    /** {@return the rank-0 shape} */
    public static Shape scalar() {
        return SCALAR;
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return dims.length;
    }

    /**
     * Dimension {@code axis}; negative axes count from the end.
     *
     * @param axis the axis
     * @return its size
     */
    public int dim(int axis) {
        return dims[axis(axis)];
    }

    /** {@return the dimensions (a copy)} */
    public int[] dims() {
        return dims.clone();
    }

    /** {@return number of elements} */
    public long size() {
        return size;
    }

    /** {@return number of elements as an int, for tensors addressed by Java arrays} */
    public int intSize() {
        return Math.toIntExact(size);
    }

    /**
     * Normalizes a possibly negative axis, rejecting out-of-range ones.
     *
     * @param axis the axis, possibly negative
     * @return the axis in [0, rank)
     */
    public int axis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return a;
    }

    /**
     * Row-major strides in elements.
     *
     * @return the strides
     */
    public long[] strides() {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /**
     * This shape with dimension {@code axis} set to {@code value}.
     *
     * @param axis  the axis
     * @param value its new size
     * @return the new shape
     */
    public Shape withDim(int axis, int value) {
        int[] d = dims.clone();
        d[axis(axis)] = value;
        return new Shape(d);
    }

    /**
     * Product of dims from {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from the first axis, inclusive
     * @param to   the last axis, exclusive
     * @return the product
     */
    public long sizeOf(int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) n *= dims[i];
        return n;
    }

    /**
     * Drops the given axes (as reductions without keepDims do).
     *
     * @param axes the axes to drop
     * @return the new shape
     */
    public Shape without(int... axes) {
        boolean[] drop = mask(axes);
        int[] d = new int[dims.length - countTrue(drop)];
        for (int i = 0, j = 0; i < dims.length; i++) if (!drop[i]) d[j++] = dims[i];
        return new Shape(d);
    }

    /**
     * Sets the given axes to 1 (as reductions with keepDims do).
     *
     * @param axes the axes to set to 1
     * @return the new shape
     */
    public Shape keeping(int... axes) {
        boolean[] one = mask(axes);
        int[] d = dims.clone();
        for (int i = 0; i < d.length; i++) if (one[i]) d[i] = 1;
        return new Shape(d);
    }

    /**
     * Shape after numpy-style broadcasting of two shapes.
     *
     * @param a one shape
     * @param b the other
     * @return the broadcast shape
     */
    public static Shape broadcast(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            int db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " cannot be broadcast together");
            }
            d[i] = da == 1 ? db : da;
        }
        return new Shape(d);
    }

    /**
     * True when this shape broadcasts to {@code target} without changing target.
     *
     * @param target the shape to broadcast to
     * @return whether it does
     */
    public boolean broadcastsTo(Shape target) {
        if (rank() > target.rank()) return false;
        int off = target.rank() - rank();
        for (int i = 0; i < rank(); i++) {
            if (dims[i] != 1 && dims[i] != target.dims[i + off]) return false;
        }
        return true;
    }

    private boolean[] mask(int[] axes) {
        boolean[] m = new boolean[dims.length];
        for (int a : axes) {
            int n = axis(a);
            if (m[n]) throw new IllegalArgumentException("axis " + a + " repeated for shape " + this);
            m[n] = true;
        }
        return m;
    }

    private static int countTrue(boolean[] m) {
        int c = 0;
        for (boolean b : m) if (b) c++;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
