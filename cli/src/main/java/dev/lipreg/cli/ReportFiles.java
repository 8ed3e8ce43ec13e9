package dev.lipreg.cli;

import dev.lipreg.eval.EvalReport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of {@code eval} (and {@code demo}): the report as JSON, its Markdown
 * table, and PNG plots, written beside each other.
 */
final class ReportFiles {
    static final String JSON = "report.json", MARKDOWN = "report.md";

    /** Paths of the files written. */
    record Files(Path json, Path markdown, List<Path> plots) {
    }

    private ReportFiles() {
    }

    static Files write(EvalReport report, Path dir, Map<String, double[]> gradL2ByModel) {
        Map<String, double[]> epsilons = report.epsilons();
        Path json = dir.resolve(JSON), md = dir.resolve(MARKDOWN);
        Json.writeFile(json, report);
        AtomicWrite.string(md, report.markdown());
        List<Path> plots = new ArrayList<>();
        for (String norm : List.of("l2", "linf")) {
            double[] eps = epsilons.get(norm);
            if (eps == null || eps.length == 0) continue;
            Map<String, double[]> errors = new LinkedHashMap<>();
            Map<String, Double> clean = new LinkedHashMap<>();
            for (EvalReport.ModelReport m : report.models()) {
                EvalReport.Curve c = m.errors().get(norm);
                if (c == null) continue;
                errors.put(m.name(), c.error());
                clean.put(m.name(), m.cleanError());
            }
            if (errors.isEmpty()) continue;
            Path p = dir.resolve("error-" + norm + ".png");
            Plots.errorCurves(p, "Test error under attack (" + EvalReport.normLabel(norm) + ", worst of " + String.join(", ", report.attacks()) + ")",
                    EvalReport.normLabel(norm) + " budget ε", eps, errors, clean);
            plots.add(p);
        }
        Path h = dir.resolve("grad-norms.png");
        Plots.histograms(h, "Input-gradient norms ‖∇ₓℓ‖₂ on " + report.images() + " test images", "‖∇ₓℓ(x, y)‖₂", gradL2ByModel, 40);
        plots.add(h);
        return new Files(json, md, plots);
    }
}
