package dev.lipreg.spark;

import dev.lipreg.nn.Loss;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.regularizers.PenaltyMode;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.tensor.Norm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One training setting of a sweep (docs/method.md §1): cross-entropy + λ·max_i ‖∇ₓℓ_i‖₂
 * (Lipschitz) + tv·mean_i ‖∇ₓℓ_i‖_* (total variation in the dual of {@code norm}), exact
 * (double backprop, {@code fdStep} 0) or by finite differences with step {@code fdStep}.
 * A zero weight leaves its penalty out; λ = tv = 0 is the undefended model. {@code norm} is
 * also the threat model the run is evaluated under.
 *
 * @param lip    λ, the weight of the Lipschitz penalty, ≥ 0
 * @param tv     the weight of the total-variation penalty, ≥ 0
 * @param norm   the threat model: ℓ2 or ℓ∞
 * @param fdStep the finite-difference step h, ≥ 0; 0 for exact double backprop
 */
public record SweepPoint(double lip, double tv, Norm norm, double fdStep) implements Serializable {
    /** Checks the weights and step are finite and ≥ 0 and the norm ℓ2 or ℓ∞ ({@link BadSettingException}). */
    public SweepPoint {
        check("lip", lip);
        check("tv", tv);
        check("fd", fdStep);
        if (norm != Norm.L2 && norm != Norm.LINF) throw new BadSettingException("norm: expected l2 or linf, got " + norm);
    }

    private static void check(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new BadSettingException(what + ": expected a finite number >= 0, got " + v);
    }

    /**
     * Every combination, λ varying fastest (so one trade-off curve's points are adjacent).
     *
     * @param lips    the Lipschitz weights λ
     * @param tvs     the total-variation weights
     * @param norms   the threat models
     * @param fdSteps the finite-difference steps (0: exact)
     * @return the points, norm varying slowest
     * @throws BadSettingException if the grid is empty, repeats a setting, or holds a bad value
     */
    public static List<SweepPoint> grid(double[] lips, double[] tvs, List<Norm> norms, double[] fdSteps) {
        List<SweepPoint> points = new ArrayList<>();
        for (Norm n : norms) for (double fd : fdSteps) for (double tv : tvs) for (double lip : lips) points.add(new SweepPoint(lip, tv, n, fd));
        if (points.isEmpty()) throw new BadSettingException("sweep: the grid is empty; give at least one value of each of --lip, --tv, --norm and --fd");
        if (points.stream().map(SweepPoint::name).distinct().count() != points.size()) {
            throw new BadSettingException("sweep: the grid repeats a setting; give each value once");
        }
        return points;
    }

    /** {@return whether the penalty is computed exactly by double backprop (fdStep = 0)} */
    public boolean exact() {
        return fdStep == 0;
    }

    /** {@return the run's directory name, e.g. {@code lip0.1-tv0.01-l2-exact}} */
    public String name() {
        return "lip" + num(lip) + "-tv" + num(tv) + "-" + norm.label() + "-" + (exact() ? "exact" : "fd" + num(fdStep));
    }

    /** {@return the label of everything but λ, e.g. "TV 0.01, ℓ2, exact": the points of one trade-off curve share it} */
    public String curve() {
        return "TV " + num(tv) + ", " + (norm == Norm.L2 ? "ℓ2" : "ℓ∞") + ", " + (exact() ? "exact" : "FD h=" + num(fdStep));
    }

    /** {@return the training objective: cross-entropy plus this point's penalties on the loss's input gradient} */
    public RobustObjective objective() {
        List<GradientPenalty> penalties = new ArrayList<>();
        if (lip > 0) penalties.add(GradientPenalty.lipschitz(lip));
        if (tv > 0) penalties.add(GradientPenalty.totalVariation(tv, norm));
        PenaltyMode mode = exact() ? new PenaltyMode.Exact() : new PenaltyMode.FiniteDifference(fdStep);
        return new RobustObjective(Loss.crossEntropy(), penalties, mode, GradientTarget.LOSS, null);
    }

    static String num(double v) {
        return Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.4g", v).replaceFirst("\\.?0+(e|$)", "$1");
    }
}
