package dev.lipreg.bench;

import dev.lipreg.tensor.OpProfile;

import java.util.List;
import java.util.Locale;

/**
 * {@code Compare --profile}: LipReg's timed steps of one mode, op by op
 * ({@link OpProfile}), per step, the most expensive first, and what is left
 * outside the backend's ops (the autograd engine, the optimizer, Java glue).
 */
final class ProfileTable {
    private ProfileTable() {
    }

    static String markdown(Mode mode, String model, int batch, List<OpProfile.Entry> ops, double[] stepMs) {
        double total = 0;
        for (double ms : stepMs) total += ms;
        double perStep = total / stepMs.length, inOps = 0;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "### %s, %s, batch %d: %.1f ms per step (mean of %d)%n%n", mode.id(), model, batch, perStep, stepMs.length));
        sb.append("| op | calls / step | ms / step | % of step |\n|---|---|---|---|\n");
        for (OpProfile.Entry e : ops) {
            double ms = e.nanos() / 1e6 / stepMs.length;
            inOps += ms;
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f |%n", e.op(), (double) e.calls() / stepMs.length, ms, 100 * ms / perStep));
        }
        double rest = perStep - inOps;
        sb.append(String.format(Locale.ROOT, "| (outside backend ops) | | %.2f | %.1f |%n", rest, 100 * rest / perStep));
        return sb.toString();
    }
}
