package dev.lipreg.cli;

import dev.lipreg.eval.LipschitzUpperBound;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of {@code eval} (and {@code demo}): JSON with everything, a
 * Markdown table of the headline numbers, and PNG plots, written beside each other.
 */
record EvalReport(String dataset, int images, Map<String, double[]> epsilons, List<String> attacks, List<Evaluator.ModelReport> models) {
    static final String JSON = "report.json", MARKDOWN = "report.md";

    /** Paths of the files written. */
    record Files(Path json, Path markdown, List<Path> plots) {
    }

    Files write(Path dir, Map<String, double[]> gradL2ByModel) {
        Path json = dir.resolve(JSON), md = dir.resolve(MARKDOWN);
        Json.writeFile(json, this);
        AtomicWrite.string(md, markdown());
        List<Path> plots = new ArrayList<>();
        for (String norm : List.of("l2", "linf")) {
            double[] eps = epsilons.get(norm);
            if (eps == null || eps.length == 0) continue;
            Map<String, double[]> errors = new LinkedHashMap<>();
            Map<String, Double> clean = new LinkedHashMap<>();
            for (Evaluator.ModelReport m : models) {
                Evaluator.Curve c = m.errors().get(norm);
                if (c == null) continue;
                errors.put(m.name(), c.error());
                clean.put(m.name(), m.cleanError());
            }
            if (errors.isEmpty()) continue;
            Path p = dir.resolve("error-" + norm + ".png");
            Plots.errorCurves(p, "Test error under attack (" + normLabel(norm) + ", worst of " + String.join(", ", attacks) + ")",
                    normLabel(norm) + " budget ε", eps, errors, clean);
            plots.add(p);
        }
        Path h = dir.resolve("grad-norms.png");
        Plots.histograms(h, "Input-gradient norms ‖∇ₓℓ‖₂ on " + images + " test images", "‖∇ₓℓ(x, y)‖₂", gradL2ByModel, 40);
        plots.add(h);
        return new Files(json, md, plots);
    }

    /** One row per model: clean error, error at each ε, median distances, gradient norms, Lipschitz bound and certified accuracy. */
    String markdown() {
        List<String> head = new ArrayList<>(List.of("model", "clean err"));
        for (String norm : List.of("l2", "linf")) {
            for (double e : epsilons.getOrDefault(norm, new double[0])) head.add("err " + normLabel(norm) + " " + num(e));
        }
        for (String norm : List.of("l2", "linf")) {
            if (models.stream().anyMatch(m -> m.medianDistance().containsKey(norm))) head.add("median " + normLabel(norm) + " dist");
        }
        head.addAll(List.of("max ‖∇ₓℓ‖₂", "mean ‖∇ₓℓ‖₂"));
        boolean cert = models.stream().anyMatch(m -> m.certification() != null);
        double[] l2 = epsilons.getOrDefault("l2", new double[0]);
        if (cert) {
            head.add("Lip bound");
            for (double e : l2) head.add("certified " + normLabel("l2") + " " + num(e));
        }
        head.add("attack time");
        StringBuilder sb = new StringBuilder();
        row(sb, head);
        row(sb, head.stream().map(s -> "---").toList());
        for (Evaluator.ModelReport m : models) {
            List<String> r = new ArrayList<>(List.of(m.name(), pct(m.cleanError())));
            for (String norm : List.of("l2", "linf")) {
                double[] eps = epsilons.getOrDefault(norm, new double[0]);
                Evaluator.Curve c = m.errors().get(norm);
                for (int j = 0; j < eps.length; j++) r.add(c == null ? "—" : pct(c.error()[j]));
            }
            for (String norm : List.of("l2", "linf")) {
                if (models.stream().anyMatch(x -> x.medianDistance().containsKey(norm))) {
                    Double d = m.medianDistance().get(norm);
                    r.add(d == null ? "—" : num(d));
                }
            }
            r.add(num(m.gradients().maxL2()));
            r.add(num(m.gradients().meanL2()));
            if (cert) {
                Evaluator.Certification c = m.certification();
                r.add(c == null ? "—" : num(c.lipschitzBound()));
                for (int j = 0; j < l2.length; j++) r.add(c == null ? "—" : pct(c.accuracy()[j]));
            }
            r.add(Progress.duration(m.attackSeconds().values().stream().mapToDouble(Double::doubleValue).sum()));
            row(sb, r);
        }
        sb.append('\n').append(images).append(" test images of ").append(dataset).append("; attacks: ").append(String.join(", ", attacks))
                .append(". Errors: worst case per image over the attacks (an image counts if any attack breaks it within ε).\n");
        for (String norm : List.of("l2", "linf")) {
            models.stream().map(m -> m.distanceAttacks().get(norm)).filter(java.util.Objects::nonNull).findFirst().ifPresent(a ->
                    sb.append("Median ").append(normLabel(norm)).append(" distance: per image the smallest found by ").append(a.replace("+", ", ")).append(".\n"));
        }
        if (cert) {
            sb.append("Certified accuracy: correct images whose logit margin / (√2·L) ≥ ε, L the ").append(LipschitzUpperBound.Bound.DESCRIPTION)
                    .append(" — never larger than the true certified radius.\n");
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    static String normLabel(String norm) {
        return norm.equals("l2") ? "ℓ2" : "ℓ∞";
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String num(double v) {
        if (Double.isInfinite(v)) return "∞";
        if (Double.isNaN(v)) return "—";
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
