package dev.lipreg.eval;

import dev.lipreg.attacks.CarliniWagnerL2;
import dev.lipreg.attacks.CwPenalty;
import dev.lipreg.attacks.Inputs;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;

/**
 * The detector-aware attacker of the paper: CW whose objective also carries
 * weight·max(s(x') − threshold, 0), so it seeks adversarials the detector does
 * not flag. Its gradient differentiates the gradient statistic s itself: double
 * backprop (the statistic's backward passes are recorded with createGraph).
 *
 * @param statistic the detector's statistic s
 * @param threshold the detector's threshold, finite
 * @param weight    the penalty's weight in the CW objective, &gt; 0
 */
public record DetectorPenalty(DetectionStatistic statistic, double threshold, double weight) implements CwPenalty {

    /** Checks the statistic is given, the threshold finite and the weight positive (IllegalArgumentException). */
    public DetectorPenalty {
        if (statistic == null) throw new IllegalArgumentException("statistic must not be null");
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be finite, got " + threshold);
        Inputs.checkPositive(weight, "weight");
    }

    @Override
    public Variable apply(Module model, Variable images, Variable logits) {
        Variable s = statistic.of(images, logits, true);
        return Ops.scale(Ops.relu(Ops.addScalar(s, -threshold)), weight);
    }

    /**
     * {@code base} CW against the model plus {@code detector} using {@code statistic}.
     *
     * @param base      the CW attack to extend (its search settings are kept)
     * @param detector  the calibrated detector to evade
     * @param statistic the statistic the detector thresholds
     * @param weight    the penalty's weight, &gt; 0
     * @return CW with the detector penalty
     * @throws IllegalArgumentException if an argument is null or the weight is not positive
     */
    public static CarliniWagnerL2 evasiveCw(CarliniWagnerL2 base, Detector detector, DetectionStatistic statistic, double weight) {
        if (base == null || detector == null) throw new IllegalArgumentException("base attack and detector must not be null");
        return base.withPenalty(new DetectorPenalty(statistic, detector.threshold(), weight));
    }
}
