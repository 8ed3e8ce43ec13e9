package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;

/**
 * Each image's minimal adversarial distance (the smallest the attacks found)
 * against its first-order estimate margin / ‖∇ₓ margin‖_* ({@link FirstOrderDistance}),
 * with their Pearson and Spearman correlations over the images that pair up:
 * correctly classified (positive margin), broken at a positive distance by some attack,
 * with a finite estimate. The paper's claim that distances grow like
 * 1 / gradient norm is what a high correlation confirms.
 *
 * @param norm          the threat model of distances and estimates
 * @param attacks    the attacks whose per-image smallest distance is used, e.g. "pgd-l2-bisection+cw-l2+deepfool-l2"
 * @param distances  per image, the smallest distance found (0: misclassified, +∞: not broken)
 * @param bestAttack per image, the attack that found it
 * @param margins       per image, the logit margin of the estimate (≤ 0: misclassified)
 * @param gradientNorms per image, the dual norm of the margin's input gradient
 * @param estimates     per image, the first-order distance estimate margin / gradient norm
 * @param paired     per image, whether it enters the correlations
 * @param pearson    over the paired images; NaN with fewer than 2
 * @param spearman   over the paired images; NaN with fewer than 2
 */
public record DistanceCheck(Norm norm, String attacks, double[] distances, String[] bestAttack, double[] margins, double[] gradientNorms,
                            double[] estimates, boolean[] paired, double pearson, double spearman) {

    /**
     * Pairs the distances of {@code minimal} with {@code estimates} of the same images and norm.
     *
     * @param minimal   the smallest distances found per image (e.g. {@link DistanceReport#minimum})
     * @param estimates the first-order estimates of the same images
     * @return the check, with copies of the arrays
     * @throws IllegalArgumentException if they differ in image count or norm
     */
    public static DistanceCheck of(DistanceReport minimal, FirstOrderDistance.Estimates estimates) {
        int n = minimal.size();
        if (estimates.estimates().length != n || estimates.norm() != minimal.norm()) {
            throw new IllegalArgumentException("distances of " + n + " images in " + minimal.norm().label() + " but estimates of "
                    + estimates.estimates().length + " in " + estimates.norm().label());
        }
        boolean[] paired = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            double d = minimal.distances()[i], e = estimates.estimates()[i];
            paired[i] = estimates.margins()[i] > 0 && d > 0 && Double.isFinite(d) && Double.isFinite(e);
            if (paired[i]) count++;
        }
        double[] d = new double[count], e = new double[count];
        for (int i = 0, k = 0; i < n; i++) {
            if (!paired[i]) continue;
            d[k] = minimal.distances()[i];
            e[k++] = estimates.estimates()[i];
        }
        double pearson = count < 2 ? Double.NaN : Correlation.pearson(e, d), spearman = count < 2 ? Double.NaN : Correlation.spearman(e, d);
        return new DistanceCheck(minimal.norm(), minimal.attack(), minimal.distances().clone(), minimal.bestAttack().clone(),
                estimates.margins().clone(), estimates.gradientNorms().clone(), estimates.estimates().clone(), paired, pearson, spearman);
    }

    /** {@return the number of images in the correlations} */
    public int pairs() {
        int c = 0;
        for (boolean p : paired) c += p ? 1 : 0;
        return c;
    }

    /**
     * The paired images' values of {@code v}, in image order.
     *
     * @param v one value per image (e.g. {@link #distances()})
     * @return the values of the paired images
     */
    public double[] pairedValues(double[] v) {
        double[] out = new double[pairs()];
        for (int i = 0, k = 0; i < v.length; i++) if (paired[i]) out[k++] = v[i];
        return out;
    }

    /** {@return the median over the paired images of distance / estimate: above 1 when the boundary is farther than linearization says} */
    public double medianRatio() {
        double[] d = pairedValues(distances), e = pairedValues(estimates), r = new double[d.length];
        for (int i = 0; i < r.length; i++) r[i] = d[i] / e[i];
        return Stats.median(r);
    }
}
