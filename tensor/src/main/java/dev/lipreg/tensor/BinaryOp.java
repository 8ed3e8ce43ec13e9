package dev.lipreg.tensor;

/** Broadcasting element-wise binary ops. Comparisons yield 1 or 0 in the input dtype. */
public enum BinaryOp {
    /** a + b. */
    ADD,
    /** a − b. */
    SUB,
    /** a · b. */
    MUL,
    /** a / b (IEEE: division by zero gives ±∞ or NaN, no exception). */
    DIV,
    /** The larger of a and b. */
    MAX,
    /** The smaller of a and b. */
    MIN,
    /** 1 where a &gt; b, else 0. */
    GT,
    /** 1 where a ≥ b, else 0. */
    GE,
    /** 1 where a &lt; b, else 0. */
    LT,
    /** 1 where a ≤ b, else 0. */
    LE,
    /** 1 where a = b exactly, else 0. */
    EQ,
    /** 1 where a ≠ b, else 0 (NaN ≠ NaN gives 1). */
    NE;

    /**
     * The operation in double precision: the definition every backend must match (comparisons give 1 or 0).
     *
     * @param a the first operand
     * @param b the second operand
     * @return a op b
     */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
        };
    }

    /** {@return whether this is a comparison (GT … NE), whose result is a 0/1 mask} */
    public boolean isComparison() {
        return ordinal() >= GT.ordinal();
    }
}
