package dev.lipreg.tensor;

/**
 * Element-wise functions. {@code alpha} parameterizes LEAKY_RELU (negative slope)
 * and ELU (scale of the negative branch); others ignore it. Kinks follow
 * PyTorch: RELU'(0) = 0, ABS'(0) = SIGN(0) = 0, STEP(0) = 0.
 */
public enum UnaryOp {
    /** −x. */
    NEG,
    /** |x|. */
    ABS,
    /** −1, 0 or 1 by the sign of x (0 at 0). */
    SIGN,
    /** x². */
    SQUARE,
    /** √x (NaN for x &lt; 0). */
    SQRT,
    /** eˣ. */
    EXP,
    /** Natural logarithm (−∞ at 0, NaN for x &lt; 0). */
    LOG,
    /** 1 / x (±∞ at 0). */
    RECIPROCAL,
    /** max(x, 0). */
    RELU,
    /** x for x &gt; 0, else alpha · x. */
    LEAKY_RELU,
    /** x for x &gt; 0, else alpha · (eˣ − 1). */
    ELU,
    /** log(1 + eˣ), computed without overflow. */
    SOFTPLUS,
    /** Hyperbolic tangent. */
    TANH,
    /** 1 / (1 + e⁻ˣ), computed without overflow. */
    SIGMOID,
    /** 1 where x > 0, else 0: the mask of ReLU's derivative. */
    STEP;

    /**
     * f(x) in double precision: the definition every backend must match.
     *
     * @param x     the input
     * @param alpha the function's parameter, if any
     * @return f(x)
     */
    public double apply(double x, double alpha) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case SQUARE -> x * x;
            case SQRT -> Math.sqrt(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case RECIPROCAL -> 1.0 / x;
            case RELU -> x > 0 ? x : 0.0;
            case LEAKY_RELU -> x > 0 ? x : alpha * x;
            case ELU -> x > 0 ? x : alpha * Math.expm1(x);
            // log(1 + e^x) without overflow, as PyTorch's threshold-free softplus
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case STEP -> x > 0 ? 1.0 : 0.0;
        };
    }

    /**
     * f'(x) in double precision; 0 at kinks as PyTorch does.
     *
     * @param x     the input
     * @param alpha the function's parameter, if any
     * @return f'(x)
     */
    public double derivative(double x, double alpha) {
        return switch (this) {
            case NEG -> -1.0;
            case ABS -> Math.signum(x);
            case SIGN -> 0.0;
            case SQUARE -> 2 * x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case EXP -> Math.exp(x);
            case LOG -> 1.0 / x;
            case RECIPROCAL -> -1.0 / (x * x);
            case RELU -> x > 0 ? 1.0 : 0.0;
            case LEAKY_RELU -> x > 0 ? 1.0 : alpha;
            case ELU -> x > 0 ? 1.0 : alpha * Math.exp(x);
            case SOFTPLUS -> SIGMOID.apply(x, 0);
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case SIGMOID -> {
                double s = SIGMOID.apply(x, 0);
                yield s * (1 - s);
            }
            case STEP -> 0.0;
        };
    }
}
