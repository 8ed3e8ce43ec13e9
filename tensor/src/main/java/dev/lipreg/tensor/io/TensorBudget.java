package dev.lipreg.tensor.io;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How many bytes of tensor data one safetensors read may stage in memory. A header may declare
 * any size (the file can be sparse), so the reader checks the declared data length against this
 * budget before allocating, and refuses with a message naming the budget and how to raise it.
 *
 * <p>The budget is the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV} (bytes, optional k/m/g/t suffix), else half of the machine's physical memory
 * (4 GiB when the JVM cannot tell).
 */
final class TensorBudget {
    static final String PROPERTY = "lipreg.maxTensorBytes";
    static final String ENV = "LIPREG_MAX_TENSOR_BYTES";

    private TensorBudget() {
    }

    static long bytes() {
        String v = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (v == null || v.isBlank()) {
            v = System.getenv(ENV);
            source = ENV;
        }
        if (v == null || v.isBlank()) return defaultBytes();
        long parsed = parse(v);
        if (parsed < 1) throw new IllegalArgumentException(source + ": expected a byte count such as 4000000000 or 4g, got '" + v + "'");
        return parsed;
    }

    /** Fails unless {@code needed} bytes of tensor data from {@code file} fit in the budget. */
    static void check(Path file, long needed) {
        long budget = bytes();
        if (needed > budget) {
            throw new IllegalArgumentException("cannot load " + file + ": its tensor data needs " + human(needed)
                    + " of memory, over the tensor memory budget of " + human(budget) + "; raise it with -D" + PROPERTY
                    + "=BYTES or " + ENV + "=BYTES (e.g. 16g)");
        }
    }

    private static long defaultBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) return total / 2;
        }
        return 4L << 30;
    }

    static long parse(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        int shift = t.isEmpty() ? 0 : switch (t.charAt(t.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (shift > 0) t = t.substring(0, t.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(t), 1L << shift);
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    static String human(long bytes) {
        if (bytes < 1L << 20) return bytes + " bytes";
        return String.format(Locale.ROOT, "%.1f GiB (%d bytes)", bytes / (double) (1L << 30), bytes);
    }
}
