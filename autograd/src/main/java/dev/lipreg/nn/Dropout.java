package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.DType;

import java.util.SplittableRandom;

/** Inverted dropout with its own seeded generator; the identity in evaluation mode. */
public final class Dropout extends Module {
    private final double p;
    private final SplittableRandom rng;

    /**
     * Dropout with drop probability {@code p}, masks drawn from its own generator.
     *
     * @param p    the drop probability, in [0, 1)
     * @param seed the generator's seed
     */
    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        int n = x.shape().intSize();
        double[] keep = new double[n];
        for (int i = 0; i < n; i++) keep[i] = rng.nextDouble() >= p ? 1 : 0;
        var mask = x.dtype() == DType.FLOAT64 ? x.backend().fromArray(keep, x.shape()) : x.backend().fromArray(toFloat(keep), x.shape());
        return Ops.dropout(x, mask, p);
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @Override
    public String describe() {
        return "Dropout(p=" + p + ")";
    }
}
