package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;

import java.util.List;

/**
 * Per-image minimal adversarial distance in one norm: the smallest perturbation
 * an attack (or the best of several) found; 0 for images misclassified as they
 * are, +∞ where no adversarial was found.
 *
 * @param attack     the attack's name, or several joined by '+' (see {@link #minimum})
 * @param norm       the norm distances are measured in
 * @param distances  per image, the distance in input units (0: misclassified, +∞: not broken)
 * @param bestAttack per image, the name of the attack that found {@code distances[i]}
 * @param seconds    total attack time, in seconds
 */
public record DistanceReport(String attack, Norm norm, double[] distances, String[] bestAttack, double seconds) {

    /** Checks there is one attack name per distance (IllegalArgumentException). */
    public DistanceReport {
        if (distances.length != bestAttack.length) {
            throw new IllegalArgumentException(distances.length + " distances but " + bestAttack.length + " attack names");
        }
    }

    /** {@return the number of images} */
    public int size() {
        return distances.length;
    }

    /** {@return the median distance over all images (+∞ when at least half were not broken)} */
    public double median() {
        return Stats.median(distances);
    }

    /**
     * Fraction of images with distance ≤ ε: the error at ε implied by these distances.
     *
     * @param eps the budget, in input units
     * @return the error in [0, 1], a lower bound on the true error at ε
     */
    public double errorAt(double eps) {
        return Stats.fractionAtMost(distances, eps);
    }

    /**
     * The error curve these distances imply (see {@link ErrorCurve#fromDistances}).
     *
     * @param epsilons the budgets, in input units
     * @return the curve
     */
    public ErrorCurve curve(double[] epsilons) {
        return ErrorCurve.fromDistances(this, epsilons);
    }

    /**
     * Per image, the smallest distance over several reports of the same images and norm; times add up.
     *
     * @param reports reports of the same images in one norm
     * @return a report named by the attacks joined with '+'
     * @throws IllegalArgumentException if {@code reports} is empty or they differ in image count or norm
     */
    public static DistanceReport minimum(List<DistanceReport> reports) {
        if (reports == null || reports.isEmpty()) throw new IllegalArgumentException("reports must not be empty");
        DistanceReport first = reports.getFirst();
        int n = first.size();
        double[] d = first.distances.clone();
        String[] who = first.bestAttack.clone();
        double seconds = first.seconds;
        StringBuilder name = new StringBuilder(first.attack);
        for (DistanceReport r : reports.subList(1, reports.size())) {
            if (r.size() != n || r.norm != first.norm) {
                throw new IllegalArgumentException("reports must cover the same " + n + " images in " + first.norm.label()
                        + ", got " + r.size() + " images in " + r.norm.label() + " (" + r.attack + ")");
            }
            for (int i = 0; i < n; i++) {
                if (r.distances[i] < d[i]) {
                    d[i] = r.distances[i];
                    who[i] = r.bestAttack[i];
                }
            }
            seconds += r.seconds;
            name.append('+').append(r.attack);
        }
        return new DistanceReport(name.toString(), first.norm, d, who, seconds);
    }
}
