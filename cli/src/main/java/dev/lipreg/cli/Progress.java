package dev.lipreg.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of a long task on stderr, with rate and ETA: a live bar on a
 * terminal, else (logs, CI, tests) a plain line at most every few seconds and
 * one at the end.
 */
abstract sealed class Progress implements AutoCloseable {

    /** Moves to {@code done} units; {@code extra} (may be empty) follows the counts, e.g. "loss 0.42". */
    abstract void stepTo(long done, String extra);

    @Override
    public abstract void close();

    /** How progress is shown by one command invocation. */
    record Factory(PrintWriter err, boolean terminal, Duration interval) {
        static Factory of(PrintWriter err, boolean interactive) {
            boolean terminal = interactive && System.console() != null && System.console().isTerminal();
            return new Factory(err, terminal, Duration.ofSeconds(10));
        }

        Progress start(String task, long total, String unit) {
            return terminal ? new Bar(task, total, unit) : new Lines(err, task, total, unit, interval.toNanos());
        }

        /** Runs one library measurement of {@code total} images under a display of its progress, and returns its result. */
        <T> T track(String task, long total, java.util.function.Function<dev.lipreg.eval.Progress, T> work) {
            try (Progress p = start(task, total, "img")) {
                return java.util.Objects.requireNonNull(work.apply((done, all) -> p.stepTo(done, "")));
            }
        }
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total, String unit) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(250).build();
        }

        @Override
        void stepTo(long done, String extra) {
            bar.stepTo(done);
            bar.setExtraMessage(extra.isEmpty() ? "" : " " + extra);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    private static final class Lines extends Progress {
        private final PrintWriter err;
        private final String task, unit;
        private final long total, intervalNanos, start = System.nanoTime();
        private long lastPrint = start, done;
        private String extra = "";
        private boolean closed;

        Lines(PrintWriter err, String task, long total, String unit, long intervalNanos) {
            this.err = err;
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.intervalNanos = intervalNanos;
        }

        @Override
        void stepTo(long done, String extra) {
            this.done = done;
            this.extra = extra;
            long now = System.nanoTime();
            if (now - lastPrint >= intervalNanos && done < total) {
                lastPrint = now;
                print(now, false);
            }
        }

        private void print(long now, boolean last) {
            double s = (now - start) / 1e9, rate = s > 0 ? done / s : 0;
            String eta = last ? "took " + duration(s) : "ETA " + (rate > 0 ? duration((total - done) / rate) : "?");
            err.printf(Locale.ROOT, "%s: %d/%d %s (%.0f%%), %.1f %s/s, %s%s%n", task, done, total, unit,
                    total == 0 ? 100.0 : 100.0 * done / total, rate, unit, eta, extra.isEmpty() ? "" : ", " + extra);
            err.flush();
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            print(System.nanoTime(), true);
        }
    }

    static String duration(double seconds) {
        return dev.lipreg.eval.EvalReport.duration(seconds);
    }
}
