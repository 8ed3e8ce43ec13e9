package dev.lipreg.spark;

import dev.lipreg.tensor.Norm;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The summary of a sweep: a Markdown table (one row per run), the same as JSON,
 * and the paper's trade-off plot — clean error and error under attack against λ,
 * one curve per (TV, norm, penalty mode) and ε.
 *
 * @param settings the sweep's settings
 * @param results  one per point, in grid order
 */
public record SweepReport(SweepSettings settings, List<SweepResult> results) {
    public static final String MARKDOWN = "sweep.md", JSON = "sweep.json", PLOT = "tradeoff.png";

    /**
     * Writes the three files into {@code dir}, each atomically.
     *
     * @param dir the output directory, created if missing
     * @throws UncheckedIOException if a file cannot be written
     */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            atomic(dir.resolve(JSON), SweepTask.JSON.writeValueAsBytes(this));
            atomic(dir.resolve(MARKDOWN), markdown().getBytes(StandardCharsets.UTF_8));
            atomic(dir.resolve(PLOT), BitmapEncoder.getBitmapBytes(chart(), BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sweep summary into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@return the table of {@code sweep.md}: one row per run, then a caption} */
    public String markdown() {
        List<String> head = new ArrayList<>(List.of("λ (Lip)", "TV", "norm", "penalty", "clean err"));
        for (Norm n : List.of(Norm.L2, Norm.LINF)) {
            if (results.stream().noneMatch(r -> r.point().norm() == n)) continue;
            for (double e : settings.epsilons(n)) head.add("err " + label(n) + " " + SweepPoint.num(e));
        }
        head.addAll(List.of("train max ‖∇ₓℓ‖₂", "train loss", "train", "eval", "run"));
        StringBuilder sb = new StringBuilder();
        row(sb, head);
        row(sb, head.stream().map(h -> "---").toList());
        for (SweepResult r : results) {
            SweepPoint p = r.point();
            List<String> cells = new ArrayList<>(List.of(SweepPoint.num(p.lip()), SweepPoint.num(p.tv()), label(p.norm()),
                    p.exact() ? "exact" : "FD h=" + SweepPoint.num(p.fdStep()), pct(r.cleanError())));
            for (Norm n : List.of(Norm.L2, Norm.LINF)) {
                if (results.stream().noneMatch(x -> x.point().norm() == n)) continue;
                for (int j = 0; j < settings.epsilons(n).length; j++) cells.add(p.norm() == n ? pct(r.errors()[j]) : "—");
            }
            cells.addAll(List.of(String.format(Locale.ROOT, "%.3g", r.maxGradL2()), String.format(Locale.ROOT, "%.4f", r.trainLoss()),
                    seconds(r.trainSeconds()), seconds(r.evalSeconds()), p.name()));
            row(sb, cells);
        }
        int images = results.isEmpty() ? 0 : results.getFirst().images();
        sb.append('\n').append(results.size()).append(" runs of ").append(settings.model()).append(", ").append(settings.epochs())
                .append(" epoch(s) on ").append(settings.trainSubset() == 0 ? "all" : settings.trainSubset()).append(" training images of ")
                .append(settings.data()).append("; errors on ").append(images).append(" test images under PGD (")
                .append(settings.pgdSteps()).append(" steps) in the run's norm, clean errors included.\n");
        return sb.toString();
    }

    /** Error (%) against λ: per curve the clean error and the error at each ε of its norm. */
    CategoryChart chart() {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(560).title("Robustness trade-off: error against the Lipschitz weight λ")
                .xAxisTitle("λ (Lipschitz penalty weight)").yAxisTitle("test error (%)").build();
        chart.getStyler().setOverlapped(true) // every curve's point for a λ at that λ, not side by side like bars
                .setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line)
                .setYAxisMin(0.0).setYAxisMax(100.0).setYAxisDecimalPattern("0.#")
                .setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> lambdas = new TreeSet<>(results.stream().map(r -> r.point().lip()).toList()).stream().map(SweepPoint::num).toList();
        Map<String, List<SweepResult>> curves = new LinkedHashMap<>();
        for (SweepResult r : results) curves.computeIfAbsent(r.point().curve(), k -> new ArrayList<>()).add(r);
        curves.forEach((curve, rs) -> {
            addSeries(chart, "clean (" + curve + ")", lambdas, rs, r -> r.cleanError());
            double[] eps = rs.getFirst().epsilons();
            for (int j = 0; j < eps.length; j++) {
                int jj = j;
                addSeries(chart, "PGD " + label(rs.getFirst().point().norm()) + " ε=" + SweepPoint.num(eps[j]) + " (" + curve + ")", lambdas, rs,
                        r -> r.errors()[jj]);
            }
        });
        return chart;
    }

    private static void addSeries(CategoryChart chart, String name, List<String> lambdas, List<SweepResult> rs,
                                  java.util.function.ToDoubleFunction<SweepResult> error) {
        List<Double> y = new ArrayList<>();
        for (String l : lambdas) {
            y.add(rs.stream().filter(r -> SweepPoint.num(r.point().lip()).equals(l)).findFirst().map(r -> 100 * error.applyAsDouble(r)).orElse(null));
        }
        chart.addSeries(name, lambdas, y);
    }

    private static void atomic(Path file, byte[] content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            Files.write(temp, content);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    static String label(Norm n) {
        return n == Norm.L2 ? "ℓ2" : "ℓ∞";
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }
}
