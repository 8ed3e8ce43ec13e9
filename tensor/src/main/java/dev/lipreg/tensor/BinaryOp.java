package dev.lipreg.tensor;

/** Broadcasting element-wise binary ops. Comparisons yield 1 or 0 in the input dtype. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, GT, GE, LT, LE, EQ, NE;

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

    public boolean isComparison() {
        return ordinal() >= GT.ordinal();
    }
}
