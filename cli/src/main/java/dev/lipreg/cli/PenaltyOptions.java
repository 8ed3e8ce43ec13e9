package dev.lipreg.cli;

import dev.lipreg.regularizers.RobustObjective;
import picocli.CommandLine.Option;

/** The loss and the input-gradient penalties of docs/method.md §1, shared by {@code train} and {@code grad}. */
final class PenaltyOptions {
    @Option(names = "--loss", paramLabel = "NAME", defaultValue = "cross-entropy",
            description = "Loss: cross-entropy, nll or tanh-squared. Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--lip", paramLabel = "λ", description = "Lipschitz penalty λ·max_i ‖∇ₓℓ_i‖₂ (paper: 0.1). Default: off.")
    Double lip;

    @Option(names = "--tv", paramLabel = "ε",
            description = "Total-variation penalty ε·mean_i ‖∇ₓℓ_i‖ in the dual of --norm (paper: 0.01). Default: off.")
    Double tv;

    @Option(names = "--squared", paramLabel = "λ",
            description = "Squared (tulip) penalty (λ/2)·mean_i ‖∇ₓℓ_i‖² in the dual of --norm. Default: off.")
    Double squared;

    @Option(names = "--norm", paramLabel = "NORM", defaultValue = "l2",
            description = "Attack norm the penalties defend against: l2 or linf (gradients are measured in the dual: l2 or l1). "
                    + "Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--fd", paramLabel = "h",
            description = "Finite differences with step h (tulip: 0.01) instead of double backprop.")
    Double fd;

    @Option(names = "--margin", description = "Penalize the gradient of the logit margin instead of the loss.")
    boolean margin;

    @Option(names = "--penalty-grad-mode", paramLabel = "MODE", defaultValue = Objectives.TRAIN_MODE,
            description = "Mode of the model while the penalized input gradients are taken: train (batch norm normalizes with the "
                    + "batch's statistics, so each example's gradient also depends on the rest of its batch, as in PyTorch) or eval "
                    + "(running statistics: each example's gradient is its own; one extra forward per step). Only matters with batch "
                    + "norm. Default: ${DEFAULT-VALUE}.")
    String penaltyGradMode;

    RobustObjective objective() {
        return Objectives.of(loss, lip, tv, squared, norm, fd, margin, penaltyGradMode);
    }
}
