package dev.lipreg.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A hyperparameter sweep on Spark: every {@link SweepPoint} of a grid is one task
 * that trains, evaluates and writes one run ({@link SweepTask}); the driver checks
 * everything first, collects the results and writes the summary
 * ({@link SweepReport}: {@code OUT/sweep.md}, {@code sweep.json}, {@code tradeoff.png}).
 *
 * <pre>{@code
 * SweepSettings s = SweepSettings.defaults("/usr/share/datasets/fashion-mnist", "/shared/sweep");
 * List<SweepPoint> grid = SweepPoint.grid(new double[]{0, 0.01, 0.1, 1}, new double[]{0.01}, List.of(Norm.L2), new double[]{0});
 * SweepReport report = Sweep.run(sparkContext, s, grid);
 * }</pre>
 */
public final class Sweep {
    private Sweep() {
    }

    /**
     * Runs the grid, one task per point; a task that fails is retried by Spark ({@code spark.task.maxFailures})
     * and rewrites its run. Throws {@link BadSettingException} before any task for bad settings or data, and
     * {@link JobFailedException} (one line) when a task failed every attempt.
     *
     * @param sc       the Spark context the tasks run in
     * @param settings training, evaluation and output settings shared by every point
     * @param points   the grid, e.g. {@link SweepPoint#grid}
     * @return the summary, also written into {@code settings.out()}
     * @throws BadSettingException if the settings, points or data cannot work
     * @throws JobFailedException  if a task fails every attempt Spark allows
     */
    public static SweepReport run(JavaSparkContext sc, SweepSettings settings, List<SweepPoint> points) {
        settings.validate();
        if (points.isEmpty()) throw new BadSettingException("sweep: no points to run");
        DataSet.parse("--data", settings.data()).check("--data-dir", Path.of(settings.dataDir()));
        Path out = Path.of(settings.out());
        if (Files.exists(out) && !Files.isDirectory(out)) throw new BadSettingException("--out: " + out + " is a file, expected a directory");
        List<SweepResult> results = new ArrayList<>(Failures.job("sweep", () -> sc.parallelize(points, points.size())
                .map(p -> SweepTask.run(settings, p, TaskContext.get().attemptNumber())).collect()));
        RunDirectory.removeLeftovers(out.resolve("runs"));
        results.sort(Comparator.comparingInt(r -> points.indexOf(r.point())));
        SweepReport report = new SweepReport(settings, results);
        report.write(out);
        return report;
    }
}
