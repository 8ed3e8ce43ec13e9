package dev.lipreg.tribuo;

import java.util.Locale;

/**
 * One model's robustness on a tabular dataset (see {@link TabularRobustness}).
 *
 * @param tribuoAccuracy Tribuo's {@code LabelEvaluator} accuracy on the raw examples
 * @param cleanError     error in the attack space (features clipped to the training range), the ε = 0 point
 * @param linfErrors     error under ℓ∞ PGD at each of {@code linfEpsilons}
 * @param l2Errors       error under ℓ2 PGD at each of {@code l2Epsilons}
 * @param meanGradL2     mean over examples of ‖∇ₓℓ‖₂ (ℓ the cross-entropy, x in the attack space)
 * @param maxGradL2      max of ‖∇ₓℓ‖₂: the empirical Lipschitz estimate the paper penalizes
 * @param meanGradL1     mean of ‖∇ₓℓ‖₁ (the TV term for ℓ∞ attacks)
 * @param maxGradL1      max of ‖∇ₓℓ‖₁
 * @param model          the model's name
 * @param examples       the number of test examples
 * @param linfEpsilons   the ℓ∞ budgets
 * @param l2Epsilons     the ℓ2 budgets
 */
public record TabularRobustnessReport(String model, int examples, double tribuoAccuracy, double cleanError,
                                      double[] linfEpsilons, double[] linfErrors, double[] l2Epsilons, double[] l2Errors,
                                      double meanGradL2, double maxGradL2, double meanGradL1, double maxGradL1) {

    /**
     * A Markdown table comparing reports (one column per report).
     *
     * @param reports the reports, one column each
     * @return the table
     */
    public static String markdown(TabularRobustnessReport... reports) {
        StringBuilder sb = new StringBuilder("| |");
        for (TabularRobustnessReport r : reports) sb.append(' ').append(r.model()).append(" |");
        sb.append("\n|---|").append("---|".repeat(reports.length)).append('\n');
        row(sb, "Tribuo accuracy", reports, r -> pct(r.tribuoAccuracy()));
        row(sb, "clean error", reports, r -> pct(r.cleanError()));
        for (int j = 0; j < reports[0].linfEpsilons().length; j++) {
            int jj = j;
            row(sb, "error at ℓ∞ ε = " + reports[0].linfEpsilons()[j], reports, r -> pct(r.linfErrors()[jj]));
        }
        for (int j = 0; j < reports[0].l2Epsilons().length; j++) {
            int jj = j;
            row(sb, "error at ℓ2 ε = " + reports[0].l2Epsilons()[j], reports, r -> pct(r.l2Errors()[jj]));
        }
        row(sb, "mean ‖∇ₓℓ‖₂", reports, r -> num(r.meanGradL2()));
        row(sb, "max ‖∇ₓℓ‖₂", reports, r -> num(r.maxGradL2()));
        row(sb, "mean ‖∇ₓℓ‖₁", reports, r -> num(r.meanGradL1()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, TabularRobustnessReport[] rs, java.util.function.Function<TabularRobustnessReport, String> cell) {
        sb.append("| ").append(name).append(" |");
        for (TabularRobustnessReport r : rs) sb.append(' ').append(cell.apply(r)).append(" |");
        sb.append('\n');
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
