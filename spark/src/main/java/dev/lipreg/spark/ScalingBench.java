package dev.lipreg.spark;

import dev.lipreg.eval.AttackSettings;
import dev.lipreg.eval.EvalSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code make spark-bench}: images per second of the distributed evaluation with the
 * minimal-distance attacks (PGD bisection + CW, ℓ2) in {@code local[1]} and {@code local[2]},
 * the scaling efficiency, and, from the measured cost per image and core, the number of
 * cores (one task thread each) that evaluates {@code target.images} images within
 * {@code target.seconds}. Each run is timed after a warm-up job that loads oneDNN and
 * the model into every task slot. On a shared machine the two masters alternate for
 * {@code bench.rounds} rounds and the fastest run of each counts (the one least slowed
 * by other processes).
 *
 * <p>Arguments: {@code CHECKPOINT [IMAGES [DATA_DIR]]} (defaults 120 and Debian's Fashion-MNIST);
 * system properties {@code cw.steps} (100, lipreg eval's default), {@code bisection.steps} (8),
 * {@code pgd.steps} (10), {@code attack.batch} (10), {@code target.images} (10000), {@code target.seconds} (600),
 * {@code bench.rounds} (3).
 */
public final class ScalingBench {
    private ScalingBench() {
    }

    record Run(String master, int cores, int images, double seconds) {
        double rate() {
            return images / seconds;
        }
    }

    /**
     * Runs the benchmark and prints its table to stdout.
     *
     * @param args {@code CHECKPOINT [IMAGES [DATA_DIR]]}; a missing checkpoint argument exits with code 2
     * @throws IOException if the checkpoint or dataset cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ScalingBench CHECKPOINT [IMAGES [DATA_DIR]]");
            System.exit(2);
        }
        Path checkpoint = Path.of(args[0]);
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        String data = args.length > 2 ? args[2] : "/usr/share/datasets/fashion-mnist";
        int batch = Integer.getInteger("attack.batch", 10), targetImages = Integer.getInteger("target.images", 10_000);
        double targetSeconds = Integer.getInteger("target.seconds", 600);
        EvalSettings settings = EvalSettings.builder().epsL2(0.5, 1).epsLinf().attacks("bisect", "cw").certify(false).seed(0)
                .attack(AttackSettings.builder().cwSteps(Integer.getInteger("cw.steps", 100)).bisectionSteps(Integer.getInteger("bisection.steps", 8))
                        .pgdSteps(Integer.getInteger("pgd.steps", 10)).batch(batch).build())
                .build();
        String loadBefore = load();
        List<Run> runs = new ArrayList<>();
        for (int round = 0; round < Integer.getInteger("bench.rounds", 3); round++) {
            runs.add(time(1, checkpoint, data, images, settings));
            runs.add(time(2, checkpoint, data, images, settings));
        }
        Run one = fastest(runs, 1), two = fastest(runs, 2);
        double efficiency = two.rate() / (2 * one.rate());
        double coreSecondsPerImage = one.seconds() / one.images();
        int ideal = (int) Math.ceil(targetImages * coreSecondsPerImage / targetSeconds);
        int cores = (int) Math.ceil(targetImages * coreSecondsPerImage / (targetSeconds * Math.min(1, efficiency)));
        StringBuilder sb = new StringBuilder();
        sb.append("| master | images | seconds | images/s |\n| --- | --- | --- | --- |\n");
        for (Run r : runs.stream().sorted(java.util.Comparator.comparingInt(Run::cores)).toList()) sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.3f |%n", r.master(), r.images(), r.seconds(), r.rate()));
        sb.append(String.format(Locale.ROOT, "%nFastest runs: local[1] %.1f s, local[2] %.1f s.%n", one.seconds(), two.seconds()));
        sb.append(String.format(Locale.ROOT, "Scaling efficiency local[2] vs local[1]: %.0f%% (speed-up %.2fx on 2 task threads).%n",
                100 * efficiency, two.rate() / one.rate()));
        sb.append(String.format(Locale.ROOT, "Cost per image (PGD bisection, %d halvings of %d steps, + CW %d×%d steps, ℓ2): %.2f core-seconds.%n",
                settings.attack().bisectionSteps(), settings.attack().pgdSteps(), 5, settings.attack().cwSteps(), coreSecondsPerImage));
        sb.append(String.format(Locale.ROOT, "%,d images in %.0f s need %d cores (task threads) of this speed if tasks scale perfectly, %d at the "
                + "efficiency measured here.%n", targetImages, targetSeconds, ideal, cores));
        sb.append("Load average before / after: ").append(loadBefore).append(" / ").append(load()).append(" (").append(Runtime.getRuntime().availableProcessors())
                .append(" cores).\n");
        System.out.print(sb);
    }

    /** One timed evaluation of {@code images} images in local[cores], after a warm-up that fills every task slot. */
    private static Run time(int cores, Path checkpoint, String data, int images, EvalSettings settings) {
        String master = "local[" + cores + "]";
        SparkConf conf = new SparkConf().setMaster(master).setAppName("lipreg-spark bench").set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            // warm-up: oneDNN, the dataset and one model copy per task slot
            DistributedEvaluation.run(sc, List.of(checkpoint), new EvalJob("fashion-mnist", data, cores * settings.attack().batch(), settings, 1, 1));
            long t0 = System.nanoTime();
            DistributedEvaluation.run(sc, List.of(checkpoint), new EvalJob("fashion-mnist", data, images, settings, 1, 1));
            return new Run(master, cores, images, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static Run fastest(List<Run> runs, int cores) {
        return runs.stream().filter(r -> r.cores() == cores).min(java.util.Comparator.comparingDouble(Run::seconds)).orElseThrow();
    }

    private static String load() throws IOException {
        Path p = Path.of("/proc/loadavg");
        return Files.isReadable(p) ? String.join(" ", List.of(Files.readString(p).split(" ")).subList(0, 3)) : "n/a";
    }
}
