package dev.lipreg.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@link Compare#run}: per mode, LipReg's and PyTorch's step times
 * measured alternately in one run, their ratio (LipReg / PyTorch: below 1 means
 * LipReg is faster), and the FLOP utilization of each against the measured sgemm
 * roofline.
 *
 * @param date      ISO-8601 time the run finished
 * @param machine   CPU model, cores, oneDNN version and ISA, Java version
 * @param threads   threads both sides used
 * @param batch     images per step
 * @param warmup    untimed steps per mode and side
 * @param jvmWarmupSeconds untimed seconds more per mode for each LipReg side (JIT warm-up)
 * @param steps     timed steps per mode and side
 * @param data      the batches' source
 * @param sgemm     dnnl_sgemm GFLOP/s on 1024³ with {@code threads} threads
 * @param torch     PyTorch's versions and settings, empty when it did not run
 * @param torchNote why PyTorch did not run, or null
 * @param baseline  class path of the baseline LipReg build timed alongside, or null
 * @param results   one entry per mode, in run order
 * @param model     the model preset every side ran
 * @param libtorch  libtorch's versions and settings (the DJL worker), empty when it did not run
 * @param libtorchNote why libtorch did not run, or null
 * @param checks    the agreement checks run before timing, one per peer
 * @param perOpUs   microseconds per tiny op from each side's host language ("pytorch": Python eager,
 *                  "libtorch": DJL's Java NDArray API), the overhead of driving a framework op by op
 */
public record CompareReport(String date, Map<String, Object> machine, int threads, int batch, int warmup, double jvmWarmupSeconds, int steps, String data,
                            Roofline.Result sgemm, Map<String, Object> torch, String torchNote, String baseline,
                            List<ModeResult> results, String model, Map<String, Object> libtorch, String libtorchNote,
                            List<GradientCheck> checks, Map<String, Double> perOpUs) {

    public CompareReport {
        machine = Map.copyOf(machine);
        torch = torch == null ? Map.of() : Map.copyOf(torch);
        results = List.copyOf(results);
        libtorch = libtorch == null ? Map.of() : Map.copyOf(libtorch);
        checks = List.copyOf(checks);
        perOpUs = Map.copyOf(perOpUs);
    }

    /** Peak RSS in MiB of each side's process over one mode's steps (warm-up included); -1 where not measured. */
    public record PeakMib(double lipreg, double torch, double libtorch) {
        static String fmt(double mib) {
            return mib < 0 ? "-" : String.format(Locale.ROOT, "%.0f", mib);
        }
    }

    /** Median and minimum of a side's step times. */
    public record Stats(double medianMs, double minMs, double[] ms) {
        public static Stats of(double[] ms) {
            if (ms.length == 0) throw new IllegalArgumentException("no step times");
            double[] s = ms.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return new Stats(median, s[0], ms.clone());
        }
    }

    /**
     * One mode's numbers. {@code torch} is null when PyTorch did not run,
     * {@code baseline} when no baseline build did.
     *
     * @param gflop  the step's FLOPs (see {@link Flops}) in units of 10⁹
     * @param target the ratio LipReg aims to stay at or below
     */
    public record ModeResult(Mode mode, double gflop, Stats lipreg, Stats torch, Stats baseline, double target, Stats libtorch, PeakMib peak) {
        /** LipReg median / libtorch median, NaN without libtorch. */
        public double libtorchRatio() {
            return libtorch == null ? Double.NaN : lipreg.medianMs() / libtorch.medianMs();
        }

        /** LipReg median / baseline median: the before/after ratio of an optimization (NaN without baseline). */
        public double vsBaseline() {
            return baseline == null ? Double.NaN : lipreg.medianMs() / baseline.medianMs();
        }

        /** LipReg min / baseline min (NaN without baseline). */
        public double vsBaselineMin() {
            return baseline == null ? Double.NaN : lipreg.minMs() / baseline.minMs();
        }

        /** Baseline median / PyTorch median (NaN unless both ran). */
        public double baselineRatio() {
            return baseline == null || torch == null ? Double.NaN : baseline.medianMs() / torch.medianMs();
        }

        /** LipReg median / PyTorch median, NaN without PyTorch. */
        public double ratio() {
            return torch == null ? Double.NaN : lipreg.medianMs() / torch.medianMs();
        }

        /** LipReg min / PyTorch min, NaN without PyTorch. */
        public double ratioMin() {
            return torch == null ? Double.NaN : lipreg.minMs() / torch.minMs();
        }

        /** GFLOP/s at the median step time. */
        static double rate(double gflop, Stats s) {
            return s == null ? Double.NaN : gflop / (s.medianMs() / 1000);
        }
    }

    /** Percent of the sgemm roofline LipReg's median step reaches. */
    public double utilization(ModeResult r) {
        return 100 * ModeResult.rate(r.gflop(), r.lipreg()) / sgemm.bestGflops();
    }

    /** Percent of the sgemm roofline PyTorch's median step reaches (NaN without PyTorch). */
    public double torchUtilization(ModeResult r) {
        return 100 * ModeResult.rate(r.gflop(), r.torch()) / sgemm.bestGflops();
    }

    /** Targets: the exact penalty step at most half of PyTorch's time, every other mode at most PyTorch's. */
    static double target(Mode m) {
        return m == Mode.EXACT_PENALTY ? 0.5 : 1.0;
    }

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", date);
        root.put("machine", machine);
        root.put("threads", threads);
        root.put("batch", batch);
        root.put("warmup", warmup);
        root.put("jvm_warmup_s", jvmWarmupSeconds);
        root.put("steps", steps);
        root.put("data", data);
        root.put("flop_counting", model.equals("fashion-cnn")
                ? "forward = conv and linear multiply-adds x2 (" + fmt(Flops.fashionCnnForward(batch) / 1e9, 3)
                        + " GFLOP at this batch); step = forward x mode.forward_passes (backward to x = 1, full backward = 2, "
                        + "differentiating a recorded graph = 2x recording it)"
                : "not counted for " + model + " (FLOPs are counted for fashion-cnn only)");
        Map<String, Object> roof = new LinkedHashMap<>();
        roof.put("n", sgemm.n());
        roof.put("best_gflops", round(sgemm.bestGflops(), 2));
        roof.put("median_gflops", round(sgemm.medianGflops(), 2));
        root.put("sgemm", roof);
        root.put("torch", torch.isEmpty() ? null : torch);
        root.put("torch_note", torchNote);
        root.put("baseline", baseline);
        root.put("model", model);
        root.put("libtorch", libtorch.isEmpty() ? null : libtorch);
        root.put("libtorch_note", libtorchNote);
        List<Object> cs = new ArrayList<>();
        for (GradientCheck c : checks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("side", c.side());
            m.put("objective_lipreg", c.objective());
            m.put("objective_peer", c.peerObjective());
            m.put("objective_rel_err", c.objectiveRelErr());
            m.put("grad_max_abs_err", c.gradMaxAbsErr());
            m.put("grad_max_abs", c.gradMaxAbs());
            m.put("agrees", c.agrees());
            cs.add(m);
        }
        root.put("checks", cs);
        root.put("per_op_us", perOpUs);
        root.put("peak_rss", "VmHWM of each side's process, reset (clear_refs 5) before the mode's warm-up, read after its last step");
        List<Object> rs = new ArrayList<>();
        for (ModeResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", r.mode().id());
            m.put("title", r.mode().title());
            m.put("forward_passes", r.mode().forwardPasses());
            m.put("gflop", round(r.gflop(), 4));
            m.put("lipreg", side(r.lipreg()));
            m.put("torch", r.torch() == null ? null : side(r.torch()));
            m.put("libtorch", r.libtorch() == null ? null : side(r.libtorch()));
            m.put("libtorch_ratio_median", nullIfNaN(round(r.libtorchRatio(), 4)));
            m.put("peak_rss_mib", Map.of("lipreg", r.peak().lipreg(), "torch", r.peak().torch(), "libtorch", r.peak().libtorch()));
            if (r.baseline() != null) {
                m.put("baseline", side(r.baseline()));
                m.put("baseline_ratio_median", nullIfNaN(round(r.baselineRatio(), 4)));
                m.put("vs_baseline_median", round(r.vsBaseline(), 4));
                m.put("vs_baseline_min", round(r.vsBaselineMin(), 4));
            }
            m.put("ratio_median", nullIfNaN(round(r.ratio(), 4)));
            m.put("ratio_min", nullIfNaN(round(r.ratioMin(), 4)));
            m.put("target", r.target());
            m.put("met", r.torch() == null ? null : r.ratio() <= r.target());
            m.put("lipreg_utilization_pct", round(utilization(r), 2));
            m.put("torch_utilization_pct", nullIfNaN(round(torchUtilization(r), 2)));
            rs.add(m);
        }
        root.put("results", rs);
        try {
            return ProcessRunner.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("report could not be written as JSON", e);
        }
    }

    private static Map<String, Object> side(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_ms", round(s.medianMs(), 3));
        m.put("min_ms", round(s.minMs(), 3));
        m.put("ms", Arrays.stream(s.ms()).map(v -> round(v, 3)).toArray());
        return m;
    }

    /** A Markdown table of the results with a header naming date, machine and roofline. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("LipReg vs PyTorch, ").append(date).append('\n');
        sb.append("machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores")).append(" cores; oneDNN ")
                .append(machine.getOrDefault("onednn", "-")).append(" (").append(machine.getOrDefault("isa", "-")).append("); Java ")
                .append(machine.get("java")).append('\n');
        sb.append("PyTorch: ").append(torch.isEmpty() ? "not run (" + torchNote + ")"
                : torch.get("torch") + " (" + torch.get("cpu_capability") + ", " + torch.get("python") + ")").append('\n');
        sb.append("threads ").append(threads).append(", batch ").append(batch).append(", ").append(warmup).append(" warm-up steps (LipReg: then ")
                .append(fmt(jvmWarmupSeconds, 0)).append(" s more, JIT) + ")
                .append(steps).append(" timed steps per mode, alternating sides; data: ").append(data).append('\n');
        sb.append("roofline: dnnl_sgemm ").append(sgemm.n()).append("³ ").append(fmt(sgemm.bestGflops(), 1)).append(" GFLOP/s (median ")
                .append(fmt(sgemm.medianGflops(), 1)).append("); forward ").append(fmt(Flops.fashionCnnForward(batch) / 1e9, 3))
                .append(" GFLOP\n\n");
        sb.append("| mode | GFLOP | LipReg ms (median / min) | PyTorch ms (median / min) | ratio (median / min) | target | LipReg util % | PyTorch util % |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ModeResult r : results) {
            sb.append("| ").append(r.mode().id())
                    .append(" | ").append(fmt(r.gflop(), 2))
                    .append(" | ").append(fmt(r.lipreg().medianMs(), 1)).append(" / ").append(fmt(r.lipreg().minMs(), 1))
                    .append(" | ").append(r.torch() == null ? "-" : fmt(r.torch().medianMs(), 1) + " / " + fmt(r.torch().minMs(), 1))
                    .append(" | ").append(r.torch() == null ? "-" : fmt(r.ratio(), 2) + " / " + fmt(r.ratioMin(), 2))
                    .append(" | ≤ ").append(fmt(r.target(), 1)).append(r.torch() == null ? "" : r.ratio() <= r.target() ? " ✓" : " ✗")
                    .append(" | ").append(fmt(utilization(r), 1))
                    .append(" | ").append(r.torch() == null ? "-" : fmt(torchUtilization(r), 1))
                    .append(" |\n");
        }
        sb.append("\nmodel ").append(model).append("; libtorch: ").append(libtorch.isEmpty() ? "not run (" + libtorchNote + ")"
                : libtorch.get("torch") + ", " + libtorch.get("threads") + " threads").append('\n');
        for (GradientCheck c : checks) sb.append("check ").append(c.agrees() ? "✓ " : "✗ ").append(c).append('\n');
        if (!perOpUs.isEmpty()) sb.append("per tiny op (host language → framework): ").append(perOpUs).append(" µs\n");
        sb.append("\n| mode | LipReg ms | libtorch 2.7.1 ms | PyTorch ").append(torch.getOrDefault("torch", "-"))
                .append(" ms | LipReg / libtorch | LipReg / PyTorch | peak RSS MiB LipReg / libtorch / PyTorch |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (ModeResult r : results) {
            sb.append("| ").append(r.mode().id())
                    .append(" | ").append(fmt(r.lipreg().medianMs(), 1))
                    .append(" | ").append(r.libtorch() == null ? "-" : fmt(r.libtorch().medianMs(), 1))
                    .append(" | ").append(r.torch() == null ? "-" : fmt(r.torch().medianMs(), 1))
                    .append(" | ").append(r.libtorch() == null ? "-" : fmt(r.libtorchRatio(), 2))
                    .append(" | ").append(r.torch() == null ? "-" : fmt(r.ratio(), 2))
                    .append(" | ").append(PeakMib.fmt(r.peak().lipreg())).append(" / ").append(PeakMib.fmt(r.peak().libtorch()))
                    .append(" / ").append(PeakMib.fmt(r.peak().torch()))
                    .append(" |\n");
        }
        if (baseline != null) {
            sb.append("\nbaseline build: ").append(baseline).append("\n\n");
            sb.append("| mode | baseline ms (median / min) | LipReg ms (median / min) | LipReg / baseline (median / min) | baseline / PyTorch | LipReg / PyTorch |\n");
            sb.append("|---|---|---|---|---|---|\n");
            for (ModeResult r : results) {
                sb.append("| ").append(r.mode().id())
                        .append(" | ").append(fmt(r.baseline().medianMs(), 1)).append(" / ").append(fmt(r.baseline().minMs(), 1))
                        .append(" | ").append(fmt(r.lipreg().medianMs(), 1)).append(" / ").append(fmt(r.lipreg().minMs(), 1))
                        .append(" | ").append(fmt(r.vsBaseline(), 2)).append(" / ").append(fmt(r.vsBaselineMin(), 2))
                        .append(" | ").append(r.torch() == null ? "-" : fmt(r.baselineRatio(), 2))
                        .append(" | ").append(r.torch() == null ? "-" : fmt(r.ratio(), 2))
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String fmt(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v;
        double s = Math.pow(10, digits);
        return Math.round(v * s) / s;
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
