package dev.lipreg.cli;

import dev.lipreg.nn.Loss;
import dev.lipreg.regularizers.GradientPenalty;
import dev.lipreg.regularizers.GradientTarget;
import dev.lipreg.tensor.Norm;
import dev.lipreg.regularizers.PenaltyMode;
import dev.lipreg.regularizers.RobustObjective;

import java.util.ArrayList;
import java.util.List;

/** Builds a {@link RobustObjective} from option values, naming the option of any bad value. */
final class Objectives {
    private Objectives() {
    }

    static RobustObjective of(String loss, Double lip, Double tv, Double squared, String norm, Double fd, boolean margin) {
        Norm attack = attackNorm(norm);
        List<GradientPenalty> penalties = new ArrayList<>();
        if (lip != null) penalties.add(GradientPenalty.lipschitz(weight("--lip", lip)));
        if (tv != null) penalties.add(GradientPenalty.totalVariation(weight("--tv", tv), attack));
        if (squared != null) penalties.add(GradientPenalty.squared(weight("--squared", squared), attack));
        PenaltyMode mode = PenaltyMode.exact();
        if (fd != null) {
            if (!(fd > 0) || fd.isInfinite()) throw BadInputException.of("--fd", "a finite step h > 0", fd);
            mode = new PenaltyMode.FiniteDifference(fd);
        }
        return new RobustObjective(loss(loss), penalties, mode, margin ? GradientTarget.MARGIN : GradientTarget.LOSS, null);
    }

    static Norm attackNorm(String norm) {
        return AttackOptions.norm("--norm", norm);
    }

    static Loss loss(String name) {
        try {
            return Loss.byName(name);
        } catch (IllegalArgumentException e) {
            throw BadInputException.of("--loss", "cross-entropy, nll or tanh-squared", "'" + name + "'");
        }
    }

    static double weight(String option, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw BadInputException.of(option, "a finite number >= 0", v);
        return v;
    }
}
