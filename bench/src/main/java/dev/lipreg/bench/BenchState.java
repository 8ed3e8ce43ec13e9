package dev.lipreg.bench;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/** Helpers for the JMH states: seeded tensors in a trial-long scope. */
final class BenchState {
    private BenchState() {
    }

    static Backend backend(String name) {
        return Backends.byName(name);
    }

    /** Seeded uniform values in [lo, hi). */
    static Tensor uniform(Backend k, SplittableRandom rng, double lo, double hi, int... dims) {
        Shape s = Shape.of(dims);
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return k.fromArray(v, s);
    }

    /** "backend:case" → {backend, case}. */
    static String[] split(String config) {
        int colon = config.indexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected backend:case, got " + config);
        return new String[]{config.substring(0, colon), config.substring(colon + 1)};
    }

    static void close(Scope s) {
        if (s != null) s.close();
    }
}
