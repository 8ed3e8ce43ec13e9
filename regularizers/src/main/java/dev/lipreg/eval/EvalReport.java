package dev.lipreg.eval;

import dev.lipreg.tensor.Norm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The report of {@code lipreg eval}: per model, clean error, error under each
 * attack at each ε and the worst case per image, median minimal distances,
 * attack times, input-gradient norms and certified accuracy; {@link #markdown()}
 * is the table the command prints.
 *
 * @param dataset  name of the test set
 * @param images   number of test images
 * @param epsilons budgets by norm label ("l2", "linf")
 * @param attacks  every attack used, for the caption
 * @param models   one report per model
 */
public record EvalReport(String dataset, int images, Map<String, double[]> epsilons, List<String> attacks, List<ModelReport> models) {

    /**
     * A report of models evaluated with the same settings on the same images.
     *
     * @param dataset  the test set's name, for the caption
     * @param settings the settings every model was evaluated with (budgets and attacks)
     * @param models   the models' reports, in table order
     * @return the report; its image count is the first model's
     * @throws IllegalArgumentException if {@code models} is empty
     */
    public static EvalReport of(String dataset, EvalSettings settings, List<ModelReport> models) {
        if (models.isEmpty()) throw new IllegalArgumentException("models must not be empty");
        Map<String, double[]> eps = new LinkedHashMap<>();
        eps.put(Norm.L2.label(), settings.epsL2());
        eps.put(Norm.LINF.label(), settings.epsLinf());
        return new EvalReport(dataset, models.getFirst().images(), eps, settings.allAttacks(), List.copyOf(models));
    }

    /**
     * Error against ε in one norm: per attack, and the worst case per image over all attacks (an image counts once if any
     * attack breaks it).
     *
     * @param epsilons the budgets
     * @param byAttack error at each budget per attack name
     * @param error    worst case over the attacks at each budget
     */
    public record Curve(double[] epsilons, Map<String, double[]> byAttack, double[] error) {
    }

    /**
     * Norms of the loss's input gradient over the test images.
     *
     * @param maxL2    largest ‖∇ₓℓ‖₂ (the empirical Lipschitz estimate)
     * @param meanL2   mean ‖∇ₓℓ‖₂
     * @param medianL2 median ‖∇ₓℓ‖₂
     * @param maxL1    largest ‖∇ₓℓ‖₁
     * @param meanL1   mean ‖∇ₓℓ‖₁
     */
    public record Gradients(double maxL2, double meanL2, double medianL2, double maxL1, double meanL1) {
    }

    /**
     * Certified ℓ2 accuracy.
     *
     * @param lipschitzBound sound upper bound on the ℓ2 Lipschitz constant of the logits
     * @param method         how it was obtained ({@link LipschitzUpperBound.Bound#DESCRIPTION})
     * @param epsilons       the ℓ2 budgets
     * @param accuracy       fraction of images correct with certified radius ≥ ε, per budget
     * @param medianRadius   median certified radius (0 for misclassified images)
     */
    public record Certification(double lipschitzBound, String method, double[] epsilons, double[] accuracy, double medianRadius) {
    }

    /**
     * Everything measured on one model. Distances and errors are keyed by norm label ("l2", "linf").
     *
     * @param name            the model's name in the report
     * @param checkpoint      where it was loaded from
     * @param model           its architecture's name
     * @param images          number of test images
     * @param cleanError      error without attack
     * @param errors          error curves by norm
     * @param medianDistance  median over images of the smallest distance any minimal-distance attack found, by norm
     * @param distanceAttacks the attacks that distance is the minimum over ("a+b"), by norm
     * @param attackSeconds   time per attack
     * @param gradients       input-gradient norms
     * @param certification   certified accuracy, or null when not certified
     * @param seconds         wall time of the whole evaluation
     */
    public record ModelReport(String name, String checkpoint, String model, int images, double cleanError, Map<String, Curve> errors,
                              Map<String, Double> medianDistance, Map<String, String> distanceAttacks, Map<String, Double> attackSeconds,
                              Gradients gradients, Certification certification, double seconds) {

        /**
         * Merges the records of every test image into the report: errors are fractions of images, medians exact over all
         * images (never medians of slices).
         *
         * @param name       the model's name in the report
         * @param checkpoint where it was loaded from
         * @param model      its architecture's name
         * @param settings   the settings the records were made with
         * @param all        the records of all images ({@link EvalPart#concat} of the slices)
         * @param bound      the Lipschitz bound certification used, or null when not certified
         * @param seconds    wall time of the whole evaluation, in seconds
         * @return the model's report
         * @throws IllegalArgumentException if there are no records, certify is on without a bound,
         *                                  or the records disagree on their attacks
         */
        public static ModelReport of(String name, String checkpoint, String model, EvalSettings settings, EvalPart all,
                                     LipschitzUpperBound.Bound bound, double seconds) {
            List<ImageRecord> r = all.records();
            int n = r.size();
            if (n == 0) throw new IllegalArgumentException("no records to report");
            if (settings.certify() && bound == null) throw new IllegalArgumentException("certify is on but no Lipschitz bound was given");
            int wrong = 0;
            for (ImageRecord x : r) wrong += x.correct() ? 0 : 1;
            Map<String, Curve> errors = new LinkedHashMap<>();
            Map<String, Double> median = new LinkedHashMap<>();
            Map<String, String> distanceAttacks = new LinkedHashMap<>();
            for (Norm norm : List.of(Norm.L2, Norm.LINF)) {
                double[] eps = settings.epsilons(norm);
                List<ImageRecord.Outcome> kinds = r.getFirst().outcomes().stream().filter(o -> o.norm().equals(norm.label())).toList();
                if (eps.length == 0 || kinds.isEmpty()) continue;
                Map<String, int[]> counts = new LinkedHashMap<>();
                for (ImageRecord.Outcome k : kinds) counts.put(k.attack(), new int[eps.length]);
                int[] worst = new int[eps.length];
                double[] smallest = new double[n];
                List<String> minimal = kinds.stream().filter(ImageRecord.Outcome::isMinimalDistance).map(ImageRecord.Outcome::attack).toList();
                for (int i = 0; i < n; i++) {
                    long any = 0;
                    smallest[i] = Double.POSITIVE_INFINITY;
                    for (ImageRecord.Outcome o : r.get(i).outcomes()) {
                        if (!o.norm().equals(norm.label())) continue;
                        int[] e = counts.get(o.attack());
                        if (e == null) throw new IllegalArgumentException("image " + r.get(i).index() + " has an outcome of " + o.attack()
                                + " that image " + r.getFirst().index() + " lacks: records of different settings");
                        for (int j = 0; j < eps.length; j++) if (o.brokenAt(j)) e[j]++;
                        any |= o.broken();
                        if (o.isMinimalDistance()) smallest[i] = Math.min(smallest[i], o.distance());
                    }
                    for (int j = 0; j < eps.length; j++) if ((any >>> j & 1) != 0) worst[j]++;
                }
                Map<String, double[]> byAttack = new LinkedHashMap<>();
                counts.forEach((a, c) -> byAttack.put(a, fractions(c, n)));
                errors.put(norm.label(), new Curve(eps, byAttack, fractions(worst, n)));
                if (!minimal.isEmpty()) {
                    median.put(norm.label(), Stats.median(smallest));
                    distanceAttacks.put(norm.label(), String.join("+", minimal));
                }
            }
            double[] l2 = new double[n], l1 = new double[n], radii = new double[n];
            for (int i = 0; i < n; i++) {
                l2[i] = r.get(i).gradL2();
                l1[i] = r.get(i).gradL1();
                radii[i] = r.get(i).certifiedRadius();
            }
            Gradients g = new Gradients(Stats.max(l2), Stats.mean(l2), Stats.median(l2), Stats.max(l1), Stats.mean(l1));
            Certification cert = null;
            if (settings.certify()) {
                double[] eps = settings.epsL2(), acc = new double[eps.length];
                for (int j = 0; j < eps.length; j++) {
                    int c = 0;
                    for (ImageRecord x : r) if (x.correct() && x.certifiedRadius() >= eps[j]) c++;
                    acc[j] = (double) c / n;
                }
                cert = new Certification(bound.value(), LipschitzUpperBound.Bound.DESCRIPTION, eps, acc, Stats.median(radii));
            }
            return new ModelReport(name, checkpoint, model, n, (double) wrong / n, errors, median, distanceAttacks,
                    new LinkedHashMap<>(all.seconds()), g, cert, seconds);
        }
    }

    private static double[] fractions(int[] counts, int n) {
        double[] f = new double[counts.length];
        for (int j = 0; j < f.length; j++) f[j] = (double) counts[j] / n;
        return f;
    }

    /**
     * The table {@code lipreg eval} prints: one row per model with clean error, error at each ε, median distances,
     * gradient norms, Lipschitz bound and certified accuracy, then a caption.
     *
     * @return GitHub-flavoured markdown
     */
    public String markdown() {
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
        for (ModelReport m : models) {
            List<String> r = new ArrayList<>(List.of(m.name(), pct(m.cleanError())));
            for (String norm : List.of("l2", "linf")) {
                double[] eps = epsilons.getOrDefault(norm, new double[0]);
                Curve c = m.errors().get(norm);
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
                Certification c = m.certification();
                r.add(c == null ? "—" : num(c.lipschitzBound()));
                for (int j = 0; j < l2.length; j++) r.add(c == null ? "—" : pct(c.accuracy()[j]));
            }
            r.add(duration(m.attackSeconds().values().stream().mapToDouble(Double::doubleValue).sum()));
            row(sb, r);
        }
        sb.append('\n').append(images).append(" test images of ").append(dataset).append("; attacks: ").append(String.join(", ", attacks))
                .append(". Errors: worst case per image over the attacks (an image counts if any attack breaks it within ε).\n");
        for (String norm : List.of("l2", "linf")) {
            models.stream().map(m -> m.distanceAttacks().get(norm)).filter(Objects::nonNull).findFirst().ifPresent(a ->
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

    /**
     * "ℓ2" or "ℓ∞" for a norm label.
     *
     * @param norm "l2" or "linf" (anything but "l2" reads as ℓ∞)
     * @return the symbol
     */
    public static String normLabel(String norm) {
        return norm.equals("l2") ? "ℓ2" : "ℓ∞";
    }

    /**
     * A fraction as a percentage with one decimal.
     *
     * @param v a fraction, 0.123 for 12.3%
     * @return e.g. "12.3%"
     */
    public static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /**
     * Three significant digits; ∞ and — for infinite and missing values.
     *
     * @param v the number; NaN stands for missing
     * @return the text
     */
    public static String num(double v) {
        if (Double.isInfinite(v)) return "∞";
        if (Double.isNaN(v)) return "—";
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /**
     * Seconds as 12.3s, 4m05s or 1h02m.
     *
     * @param seconds a duration, in seconds
     * @return the text
     */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return String.format(Locale.ROOT, "%.1fs", seconds);
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
