package dev.lipreg.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident-set high-water mark (VmHWM of /proc/self/status), and
 * its reset (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so each side of the
 * comparison reports the peak RSS of one mode's steps. -1 where /proc has neither.
 */
public final class PeakRss {
    private PeakRss() {
    }

    /**
     * Resets the high-water mark to the current RSS; false where the kernel does not
     * allow it. With {@code collectFirst} a full collection runs first, so that what
     * the harness left in the Java heap (the loaded data set, the agreement check's
     * arrays) can go back to the OS before the mode starts. Only LipReg's process
     * (the harness's JVM) asks for it: the libtorch worker holds no harness data,
     * and a forced collection there (DJL releases native handles through the
     * collector) is a perturbation of the peer that the comparison does not need.
     *
     * @param collectFirst whether to run {@link System#gc()} before the reset
     * @return whether the reset happened
     */
    public static boolean reset(boolean collectFirst) {
        if (collectFirst) System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** VmHWM in KiB, or -1. */
    public static long kib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.substring(6).replace("kB", "").trim());
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }
}
