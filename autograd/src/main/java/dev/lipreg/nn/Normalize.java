package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;

import java.util.Arrays;
import java.util.List;

/**
 * Per-channel input normalization {@code (x - mean[c]) / std[c]} over axis 1 of [N, C, ...]
 * (torchvision's {@code Normalize}). Put first in a model trained on normalized inputs, the model
 * takes pixels in [0, 1]: attacks, ε-balls, clamping and certified radii are then in pixel space.
 *
 * <p>It has no state: mean and std are part of the layer (and of its {@link LayerSpec}), not of the
 * state dict, so they are never trained. Built from {@link Ops#sub} and {@link Ops#div}, it is
 * differentiable to any order; the Lipschitz constant is {@code 1 / min(std)} in every ℓp norm.
 */
public final class Normalize extends Module {
    private final double[] mean, std;

    /**
     * A normalization with one mean and one std per channel.
     *
     * @param mean per-channel means, finite
     * @param std  per-channel standard deviations, finite and {@code > 0}; as many as {@code mean}
     */
    public Normalize(double[] mean, double[] std) {
        check(mean, std);
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Throws IllegalArgumentException naming the first problem of {@code mean} and {@code std}. */
    static void check(double[] mean, double[] std) {
        if (mean == null || std == null || mean.length == 0) {
            throw new IllegalArgumentException("Normalize: 'mean' and 'std' must list one value per channel, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        if (mean.length != std.length) {
            throw new IllegalArgumentException("Normalize: 'mean' has " + mean.length + " values but 'std' has " + std.length
                    + "; both need one per channel");
        }
        for (int c = 0; c < mean.length; c++) {
            if (!Double.isFinite(mean[c])) throw new IllegalArgumentException("Normalize: 'mean' must be finite, got " + mean[c] + " for channel " + c);
            if (!(std[c] > 0) || Double.isInfinite(std[c])) {
                throw new IllegalArgumentException("Normalize: 'std' must be a finite number > 0, got " + std[c] + " for channel " + c);
            }
        }
    }

    /** The layer of a spec's lists (see {@link LayerSpec}). */
    static Normalize of(List<Double> mean, List<Double> std) {
        return new Normalize(mean.stream().mapToDouble(Double::doubleValue).toArray(), std.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** {@return the number of channels} */
    public int channels() {
        return mean.length;
    }

    /** {@return the per-channel means (a copy)} */
    public double[] mean() {
        return mean.clone();
    }

    /** {@return the per-channel standard deviations (a copy)} */
    public double[] std() {
        return std.clone();
    }

    /** {@return the Lipschitz constant of this map in any ℓp norm: the largest 1/std} */
    public double lipschitz() {
        return 1 / Arrays.stream(std).min().orElseThrow();
    }

    /** {@return the spec of this layer, for a {@link ModelSpec}} */
    public LayerSpec spec() {
        return LayerSpec.of("normalize", "mean", mean, "std", std);
    }

    @Override
    public Variable forward(Variable x) {
        if (x.shape().rank() < 2 || x.dim(1) != mean.length) {
            throw new IllegalArgumentException("Normalize(" + mean.length + " channels): input must be [N, " + mean.length + ", ...], got "
                    + x.shape());
        }
        int[] d = new int[x.shape().rank()];
        Arrays.fill(d, 1);
        d[1] = mean.length;
        return Ops.div(Ops.sub(x, perChannel(x, mean, Shape.of(d))), perChannel(x, std, Shape.of(d)));
    }

    /** A constant [1, C, 1, ...] of x's backend and dtype, made per call: it lives in the caller's scope. */
    private static Variable perChannel(Variable x, double[] v, Shape shape) {
        if (x.dtype() == DType.FLOAT64) return Variable.constant(x.backend().fromArray(v, shape));
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Variable.constant(x.backend().fromArray(f, shape));
    }

    @Override
    public String describe() {
        return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
