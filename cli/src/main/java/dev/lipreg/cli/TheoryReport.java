package dev.lipreg.cli;

import dev.lipreg.eval.DistanceCheck;
import dev.lipreg.eval.LossBound;
import dev.lipreg.tensor.Norm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of {@code theory}: JSON with every number (per-image values too),
 * a Markdown summary, and one scatter plot of distance against estimate per model.
 */
record TheoryReport(String dataset, int trainImages, int testImages, String norm, String distanceAttacks, Bound lossBound, List<Model> models,
                    List<String> notes) {
    static final String JSON = "theory.json", MARKDOWN = "theory.md";

    /** {@link LossBound} with its verdicts, as written to JSON. */
    record Bound(String objective, Side undefended, Side regularized, double bound, double slack, boolean holds, boolean objectiveOrdered,
                 boolean lossOrdered) {
        static Bound of(LossBound b) {
            return new Bound(b.objective(), Side.of(b.undefended()), Side.of(b.regularized()), b.bound(), b.slack(), b.holds(),
                    b.objectiveOrdered(), b.lossOrdered());
        }
    }

    /** @param penaltyTerms each penalty's value (e.g. λ·max‖g‖₂), {@code penalty} their sum λ·R, {@code objective} Loss + λ·R */
    record Side(double loss, Map<String, Double> penaltyTerms, double penalty, double objective) {
        static Side of(LossBound.Side s) {
            return new Side(s.loss(), new LinkedHashMap<>(s.penalties()), s.penalty(), s.objective());
        }
    }

    /** One model's distance check; {@code check} carries the per-image arrays. */
    record Model(String role, String checkpoint, String trainedWith, DistanceCheck check) {
    }

    /** Summary of a {@link DistanceCheck}, as written to JSON beside the per-image values. */
    record Distances(String role, String checkpoint, String trainedWith, int images, int paired, double pearson, double spearman,
                     double medianDistance, double medianEstimate, double medianRatio, PerImage perImage) {
    }

    record PerImage(double[] distance, String[] bestAttack, double[] estimate, double[] margin, double[] gradientNorm, boolean[] paired) {
    }

    /** Paths of the files written. */
    record Files(Path json, Path markdown, List<Path> plots) {
    }

    static TheoryReport of(String dataset, int trainImages, int testImages, String distanceAttacks, LossBound bound, List<Model> models,
                           List<String> notes) {
        Norm norm = models.getFirst().check().norm();
        return new TheoryReport(dataset, trainImages, testImages, norm.label(), distanceAttacks, Bound.of(bound), models, List.copyOf(notes));
    }

    Files write(Path dir) {
        Path json = dir.resolve(JSON), md = dir.resolve(MARKDOWN);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("dataset", dataset);
        tree.put("norm", norm);
        Map<String, Object> bound = new LinkedHashMap<>(), distances = new LinkedHashMap<>();
        bound.put("trainImages", trainImages);
        bound.put("result", lossBound);
        distances.put("testImages", testImages);
        distances.put("attacks", distanceAttacks);
        distances.put("models", models.stream().map(TheoryReport::distances).toList());
        tree.put("lossBound", bound);
        tree.put("distances", distances);
        tree.put("notes", notes);
        Json.writeFile(json, tree);
        AtomicWrite.string(md, markdown());
        List<Path> plots = new ArrayList<>();
        for (Model m : models) {
            Path p = dir.resolve("scatter-" + m.role() + ".png");
            DistanceCheck c = m.check();
            Map<String, double[][]> points = new LinkedHashMap<>();
            points.put(c.pairs() + " test images", new double[][]{c.pairedValues(c.estimates()), c.pairedValues(c.distances())});
            Plots.scatter(p, String.format(Locale.ROOT, "%s: minimal %s distance vs first-order estimate (Pearson %s, Spearman %s)", m.role(),
                    normLabel(), num(c.pearson()), num(c.spearman())), "margin / " + gradientNorm() + " (first-order estimate)",
                    "minimal " + normLabel() + " distance (smallest of " + distanceAttacks + ")", points);
            plots.add(p);
        }
        return new Files(json, md, plots);
    }

    private static Distances distances(Model m) {
        DistanceCheck c = m.check();
        return new Distances(m.role(), m.checkpoint(), m.trainedWith(), c.distances().length, c.pairs(), c.pearson(), c.spearman(),
                median(c.pairedValues(c.distances())), median(c.pairedValues(c.estimates())), c.medianRatio(),
                new PerImage(c.distances(), c.bestAttack(), c.estimates(), c.margins(), c.gradientNorms(), c.paired()));
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        Model f0 = models.get(0), fl = models.get(1);
        sb.append("## Loss(f_λ) ≤ Loss(f₀) + λ·R(f₀) on ").append(trainImages).append(" training images of ").append(dataset).append("\n\n");
        sb.append("f₀: ").append(f0.checkpoint()).append(" (").append(f0.trainedWith()).append("); f_λ: ").append(fl.checkpoint())
                .append(" (").append(fl.trainedWith()).append("). λ·R is f_λ's penalty, evaluated on both models in evaluation mode with exact ")
                .append("input gradients; its Lipschitz term's max is over all these images.\n\n");
        sb.append("| | f₀ (undefended) | f_λ (regularized) |\n|---|---|---|\n");
        Side a = lossBound.undefended(), c = lossBound.regularized();
        row(sb, "Loss (mean)", a.loss(), c.loss());
        for (String term : a.penaltyTerms().keySet()) row(sb, term + " term", a.penaltyTerms().get(term), c.penaltyTerms().get(term));
        row(sb, "λ·R (all terms)", a.penalty(), c.penalty());
        row(sb, "J_λ = Loss + λ·R", a.objective(), c.objective());
        sb.append('\n').append(String.format(Locale.ROOT, "Loss(f_λ) = %s %s Loss(f₀) + λ·R(f₀) = %s: **%s** (slack %s).%n", num(c.loss()),
                lossBound.holds() ? "≤" : ">", num(lossBound.bound()), lossBound.holds() ? "holds" : "fails", num(lossBound.slack())));
        sb.append("Behind it: J_λ(f_λ) ≤ J_λ(f₀), f_λ the better minimizer of its objective: ").append(verdict(lossBound.objectiveOrdered()))
                .append("; Loss(f₀) ≤ Loss(f_λ), f₀ the better minimizer of the loss: ").append(verdict(lossBound.lossOrdered())).append(".\n\n");

        sb.append("## Minimal ").append(normLabel()).append(" distance against the first-order estimate margin / ").append(gradientNorm())
                .append(" on ").append(testImages).append(" test images\n\n");
        sb.append("| model | correct | paired | Pearson | Spearman | median distance | median estimate | median distance / estimate |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Model m : models) {
            DistanceCheck d = m.check();
            long correct = Arrays.stream(d.margins()).filter(v -> v > 0).count();
            sb.append("| ").append(m.role()).append(" | ").append(correct).append(" / ").append(d.distances().length).append(" | ").append(d.pairs()).append(" | ")
                    .append(num(d.pearson())).append(" | ").append(num(d.spearman())).append(" | ").append(num(median(d.pairedValues(d.distances()))))
                    .append(" | ").append(num(median(d.pairedValues(d.estimates())))).append(" | ").append(num(d.medianRatio())).append(" |\n");
        }
        sb.append("\nDistance: per image the smallest found by ").append(distanceAttacks).append("; margin = z_y − max_{k≠y} z_k. Paired: ")
                .append("correct (margin > 0), broken by some attack, finite estimate; the medians are over the paired images. Scatter plots: scatter-undefended.png, scatter-regularized.png.\n");
        for (String n : notes) sb.append("Note: ").append(n).append(".\n");
        return sb.toString();
    }

    private String normLabel() {
        return norm.equals("l2") ? "ℓ2" : "ℓ∞";
    }

    private String gradientNorm() {
        return norm.equals("l2") ? "‖∇ₓ margin‖₂" : "‖∇ₓ margin‖₁";
    }

    private static String verdict(boolean ok) {
        return ok ? "holds" : "fails";
    }

    private static void row(StringBuilder sb, String name, double a, double b) {
        sb.append("| ").append(name).append(" | ").append(num(a)).append(" | ").append(num(b)).append(" |\n");
    }

    static String num(double v) {
        if (Double.isInfinite(v)) return "∞";
        if (Double.isNaN(v)) return "—";
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static double median(double[] v) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
}
