package dev.lipreg.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** PNG charts of reports (XChart), each written atomically. */
final class Plots {
    private static final int WIDTH = 800, HEIGHT = 560;

    private Plots() {
    }

    /** One line per series: error (%) against ε, starting from the clean error at ε = 0. */
    static void errorCurves(Path file, String title, String xLabel, double[] eps, Map<String, double[]> errors, Map<String, Double> clean) {
        XYChart chart = chart(title, xLabel, "test error (%)");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        errors.forEach((name, err) -> {
            double[] x = new double[eps.length + 1], y = new double[eps.length + 1];
            x[0] = 0;
            y[0] = 100 * clean.getOrDefault(name, err.length > 0 ? err[0] : 0);
            for (int j = 0; j < eps.length; j++) {
                x[j + 1] = eps[j];
                y[j + 1] = 100 * err[j];
            }
            chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
        });
        write(file, chart);
    }

    /** Overlaid histograms (as step lines) of per-image values, e.g. ‖∇ₓℓ‖₂, on shared bins. */
    static void histograms(Path file, String title, String xLabel, Map<String, double[]> values, int bins) {
        XYChart chart = chart(title, xLabel, "images");
        double max = values.values().stream().flatMapToDouble(Arrays::stream).filter(Double::isFinite).max().orElse(1);
        if (!(max > 0)) max = 1;
        for (var e : values.entrySet()) {
            List<Double> finite = new ArrayList<>();
            for (double v : e.getValue()) if (Double.isFinite(v)) finite.add(v);
            if (finite.isEmpty()) continue;
            Histogram h = new Histogram(finite, bins, 0, max);
            XYSeries s = chart.addSeries(e.getKey(), h.getxAxisData(), h.getyAxisData());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step).setMarker(SeriesMarkers.NONE);
        }
        write(file, chart);
    }

    /** ROC curves (true positive against false positive rate) with the chance diagonal. */
    static void roc(Path file, String title, Map<String, double[][]> curves) {
        XYChart chart = chart(title, "false positive rate (clean images flagged)", "true positive rate (adversarial images flagged)");
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        chart.addSeries("chance", new double[]{0, 1}, new double[]{0, 1}).setMarker(SeriesMarkers.NONE);
        curves.forEach((name, c) -> chart.addSeries(name, c[0], c[1]).setMarker(SeriesMarkers.NONE));
        write(file, chart);
    }

    /**
     * Scatter plots of (x, y) points, one series per entry ({@code points[0]} the x values, {@code points[1]} the y values),
     * with the line y = x for reference.
     */
    static void scatter(Path file, String title, String xLabel, String yLabel, Map<String, double[][]> points) {
        XYChart chart = chart(title, xLabel, yLabel);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarkerSize(7);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW); // points gather along the diagonal, away from that corner
        double max = 0;
        for (double[][] p : points.values()) {
            for (double[] axis : p) for (double v : axis) if (Double.isFinite(v)) max = Math.max(max, v);
        }
        if (!(max > 0)) max = 1;
        chart.getStyler().setXAxisMin(0.0).setYAxisMin(0.0);
        chart.addSeries("y = x", new double[]{0, max}, new double[]{0, max}).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line)
                .setMarker(SeriesMarkers.NONE);
        points.forEach((name, p) -> {
            if (p[0].length > 0) chart.addSeries(name, p[0], p[1]).setMarker(SeriesMarkers.CIRCLE);
        });
        write(file, chart);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setXAxisDecimalPattern("0.###").setYAxisDecimalPattern("0.###");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    private static void write(Path file, XYChart chart) {
        try {
            AtomicWrite.bytes(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }
}
