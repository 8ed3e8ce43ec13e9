package dev.lipreg.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The steps the side-by-side comparison times, identically on both sides (see
 * {@code bench/python/compare.py}). {@link #forwardPasses()} is the step's cost in
 * forward-pass equivalents F, the unit of {@link Flops}: a forward pass is F, a
 * backward pass to the input only (data gradients) F, a full backward (data and
 * weight gradients) 2F, and differentiating a recorded graph costs twice what
 * recording it did.
 */
public enum Mode {
    /** Forward pass, no graph (GradMode.disabled / torch.no_grad): F. */
    FORWARD("forward", "forward (no grad)", 1),
    /** Forward + backward to x, as attacks use: F + F (data gradients only). */
    INPUT_GRADIENT("input-gradient", "input gradient (forward + backward to x)", 2),
    /** CE, backward, SGD momentum 0.9: F + 2F. */
    TRAIN("train", "plain training step", 3),
    /**
     * CE + 0.1·max‖g‖₂ + 0.01·mean‖g‖₁ by double backprop: F + F (g with the graph
     * recorded) + 2·(F + F) (backward through both) = 6F.
     */
    EXACT_PENALTY("exact-penalty", "exact penalty step (double backprop)", 6),
    /** Finite differences along 2 directions (ℓ2 and ℓ1): F + F + 2F (shifted forwards) + 3·2F = 10F. */
    FD_PENALTY("fd-penalty", "finite-difference penalty step, 2 directions", 10),
    /** Finite differences along 1 direction (Lipschitz ℓ2 term only): F + F + F + 2·2F = 7F. */
    FD_PENALTY_1DIR("fd-penalty-1dir", "finite-difference penalty step, 1 direction", 7),
    /** PGD-7 ℓ∞ (ε = 0.1) then a training step on the result: 7·(F + F) + 3F = 17F. */
    PGD7("pgd7", "PGD-7 l-inf adversarial-training step", 17);

    private final String id;
    private final String title;
    private final int forwardPasses;

    Mode(String id, String title, int forwardPasses) {
        this.id = id;
        this.title = title;
        this.forwardPasses = forwardPasses;
    }

    /** The name used on the command line, in JSON and by compare.py. */
    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    /** The step's cost in forward-pass FLOP equivalents (see the class comment). */
    public int forwardPasses() {
        return forwardPasses;
    }

    public static Mode parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Mode m : values()) if (m.id.equals(k)) return m;
        throw new IllegalArgumentException("unknown mode '" + s + "', expected one of "
                + Arrays.stream(values()).map(Mode::id).toList() + " or all");
    }

    /** A comma-separated list of mode names, or "all". */
    public static List<Mode> parseList(String s) {
        if (s == null || s.isBlank() || s.trim().equalsIgnoreCase("all")) return List.of(values());
        return Arrays.stream(s.split(",")).filter(p -> !p.isBlank()).map(Mode::parse).distinct().toList();
    }
}
