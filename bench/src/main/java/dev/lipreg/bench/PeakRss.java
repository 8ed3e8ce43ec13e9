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
     * allow it. A full collection runs first, so that what the harness left in the
     * Java heap (the loaded data set, the agreement check's arrays) can go back to
     * the OS before the mode starts: on both Java sides (LipReg and the libtorch
     * worker) the peak is then the steps' own, not the harness's history.
     */
    public static boolean reset() {
        System.gc();
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
