package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Seeded parameter initialization. Values are drawn in Java from one
 * {@link SplittableRandom} in construction order, so a seed gives the same
 * model on every backend. Tensors land in the current scope.
 */
public final class Init {
    /** How weights are drawn. Biases always follow PyTorch: U(−1/√fanIn, 1/√fanIn). */
    public enum Scheme {
        /** PyTorch's default for Conv2d and Linear: kaiming_uniform(a=√5) = U(−1/√fanIn, 1/√fanIn). */
        PYTORCH_DEFAULT,
        /** He et al. for ReLU networks: N(0, 2/fanIn). */
        KAIMING_NORMAL,
        /** Glorot: U(−a, a), a = √(6/(fanIn+fanOut)). */
        XAVIER_UNIFORM
    }

    private final Backend backend;
    private final DType dtype;
    private final Scheme scheme;
    private final SplittableRandom rng;

    /**
     * Draws parameters of {@code dtype} on {@code backend} by {@code scheme}, from a generator seeded with {@code seed}.
     *
     * @param backend where the parameters live
     * @param dtype   a floating dtype
     * @param scheme  the weight distribution
     * @param seed    the seed
     */
    public Init(Backend backend, DType dtype, Scheme scheme, long seed) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("parameters must be floating point, got " + dtype);
        this.backend = backend;
        this.dtype = dtype;
        this.scheme = scheme;
        this.rng = new SplittableRandom(seed);
    }

    /**
     * Float32 parameters on {@code backend} with PyTorch's default initialization.
     *
     * @param backend where the parameters live
     * @param seed    the seed
     */
    public Init(Backend backend, long seed) {
        this(backend, DType.FLOAT32, Scheme.PYTORCH_DEFAULT, seed);
    }

    /** {@return the backend parameters are made on} */
    public Backend backend() {
        return backend;
    }

    /** {@return the dtype of the parameters} */
    public DType dtype() {
        return dtype;
    }

    /**
     * A weight tensor with the given fan-in and fan-out.
     *
     * @param shape  the weight's shape
     * @param fanIn  inputs per output unit
     * @param fanOut outputs per input unit
     * @return the weight, in the current scope
     */
    public Tensor weight(Shape shape, int fanIn, int fanOut) {
        double[] v = new double[shape.intSize()];
        switch (scheme) {
            case PYTORCH_DEFAULT -> fillUniform(v, 1 / Math.sqrt(fanIn));
            case KAIMING_NORMAL -> {
                double std = Math.sqrt(2.0 / fanIn);
                for (int i = 0; i < v.length; i++) v[i] = std * gaussian();
            }
            case XAVIER_UNIFORM -> fillUniform(v, Math.sqrt(6.0 / (fanIn + fanOut)));
        }
        return make(v, shape);
    }

    /**
     * A bias U(−1/√fanIn, 1/√fanIn), as PyTorch's layers draw it.
     *
     * @param size  the number of outputs
     * @param fanIn inputs per output unit
     * @return the bias, in the current scope
     */
    public Tensor bias(int size, int fanIn) {
        double[] v = new double[size];
        fillUniform(v, 1 / Math.sqrt(fanIn));
        return make(v, Shape.of(size));
    }

    /**
     * A tensor filled with {@code value}.
     *
     * @param shape the shape
     * @param value the value
     * @return the tensor, in the current scope
     */
    public Tensor constant(Shape shape, double value) {
        return backend.full(shape, dtype, value);
    }

    /** {@return a fresh seed for a module that needs randomness of its own (dropout)} */
    public long nextSeed() {
        return rng.nextLong();
    }

    private void fillUniform(double[] v, double bound) {
        for (int i = 0; i < v.length; i++) v[i] = bound * (2 * rng.nextDouble() - 1);
    }

    private double gaussian() {
        // Box–Muller: deterministic, no hidden state beyond rng
        double u = 1 - rng.nextDouble(), w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    private Tensor make(double[] v, Shape shape) {
        if (dtype == DType.FLOAT64) return backend.fromArray(v, shape);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return backend.fromArray(f, shape);
    }
}
