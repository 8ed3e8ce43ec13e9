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

    /** Penalty gradients in training mode (see {@link #of(String, Double, Double, Double, String, Double, boolean, String)}). */
    static RobustObjective of(String loss, Double lip, Double tv, Double squared, String norm, Double fd, boolean margin) {
        return of(loss, lip, tv, squared, norm, fd, margin, TRAIN_MODE);
    }

    /**
     * @param gradMode "train": penalized gradients through batch norm's batch statistics (examples of a batch coupled);
     *                 "eval": in evaluation mode, each example's gradient its own ({@link RobustObjective#withEvalModeGradients})
     */
    static RobustObjective of(String loss, Double lip, Double tv, Double squared, String norm, Double fd, boolean margin, String gradMode) {
        boolean evalMode = evalModeGradients(gradMode);
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
        return new RobustObjective(loss(loss), penalties, mode, margin ? GradientTarget.MARGIN : GradientTarget.LOSS, null)
                .withEvalModeGradients(evalMode);
    }

    static final String TRAIN_MODE = "train", EVAL_MODE = "eval";

    /** {@code --penalty-grad-mode}: train (null too: runs saved before the option) or eval. */
    static boolean evalModeGradients(String gradMode) {
        if (gradMode == null || gradMode.equals(TRAIN_MODE)) return false;
        if (gradMode.equals(EVAL_MODE)) return true;
        throw BadInputException.of("--penalty-grad-mode", "train or eval", "'" + gradMode + "'");
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
