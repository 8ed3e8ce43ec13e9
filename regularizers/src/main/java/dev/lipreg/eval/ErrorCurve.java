package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;

/**
 * Test error under attack as a function of the budget ε: {@code errors[j]} is
 * the fraction of images misclassified at {@code epsilons[j]} (ε = 0: the clean
 * error). Plain arrays, ready for JSON and plots.
 *
 * @param attack   the attack's name
 * @param norm     its threat model
 * @param epsilons the budgets, in input units
 * @param errors   the error at each budget, in [0, 1]
 * @param seconds  total attack time, in seconds
 */
public record ErrorCurve(String attack, Norm norm, double[] epsilons, double[] errors, double seconds) {

    /** Checks there is one error per budget (IllegalArgumentException). */
    public ErrorCurve {
        if (epsilons.length != errors.length) {
            throw new IllegalArgumentException(epsilons.length + " epsilons but " + errors.length + " errors");
        }
    }

    /**
     * The curve implied by per-image minimal distances: an image is in error at ε
     * when its distance is ≤ ε. The distances an attack finds are upper bounds, so
     * this curve is a lower bound on the true error.
     *
     * @param report   per-image minimal distances
     * @param epsilons the budgets, in input units
     * @return the curve, with the report's name, norm and time
     */
    public static ErrorCurve fromDistances(DistanceReport report, double[] epsilons) {
        double[] err = new double[epsilons.length];
        for (int j = 0; j < epsilons.length; j++) err[j] = Stats.fractionAtMost(report.distances(), epsilons[j]);
        return new ErrorCurve(report.attack(), report.norm(), epsilons.clone(), err, report.seconds());
    }
}
