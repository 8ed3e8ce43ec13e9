package dev.lipreg.attacks;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Seeded random tensors. The backends have no random-number op, so values are
 * drawn in Java from the caller's generator: a seed gives the same attack on
 * every backend.
 */
public final class RandomTensors {
    private RandomTensors() {
    }

    /**
     * Entries uniform in [lo, hi).
     *
     * @param k     the backend
     * @param dtype the dtype
     * @param shape the shape
     * @param lo    the lower bound
     * @param hi    the upper bound
     * @param rng   the generator
     * @return the tensor, in the current scope
     */
    public static Tensor uniform(Backend k, DType dtype, Shape shape, double lo, double hi, SplittableRandom rng) {
        double[] v = new double[shape.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.nextDouble();
        return PerImage.fromDoubles(k, dtype, v, shape);
    }

    /**
     * Standard normal entries (Box–Muller).
     *
     * @param k     the backend
     * @param dtype the dtype
     * @param shape the shape
     * @param rng   the generator
     * @return the tensor, in the current scope
     */
    public static Tensor gaussian(Backend k, DType dtype, Shape shape, SplittableRandom rng) {
        double[] v = new double[shape.intSize()];
        for (int i = 0; i < v.length; i += 2) {
            double r = Math.sqrt(-2 * Math.log(1 - rng.nextDouble())), a = 2 * Math.PI * rng.nextDouble();
            v[i] = r * Math.cos(a);
            if (i + 1 < v.length) v[i + 1] = r * Math.sin(a);
        }
        return PerImage.fromDoubles(k, dtype, v, shape);
    }
}
