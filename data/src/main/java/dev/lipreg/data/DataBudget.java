package dev.lipreg.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How much memory the dataset loaders may allocate for one dataset: its decompressed bytes plus the
 * float pixels built from them. Every loader checks the size a header declares (or a file's length)
 * against this budget before allocating, so a file that would not fit in memory is refused with a
 * {@link DataTooLargeException} instead of an {@link OutOfMemoryError}.
 *
 * <p>The budget is the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV} (bytes, with an optional k/m/g suffix), else three quarters of the Java heap
 * ({@code -Xmx}). It is read at every check, so it can be changed between loads.
 */
public final class DataBudget {
    public static final String PROPERTY = "lipreg.maxDataBytes";
    public static final String ENV = "LIPREG_MAX_DATA_BYTES";

    private DataBudget() {}

    /** The budget in bytes. */
    public static long bytes() {
        String v = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (v == null || v.isBlank()) {
            v = System.getenv(ENV);
            source = ENV;
        }
        if (v == null || v.isBlank()) return Runtime.getRuntime().maxMemory() / 4 * 3;
        long parsed = parseBytes(v);
        if (parsed < 1) throw new IllegalArgumentException(source + ": expected a byte count such as 2000000000 or 2g, got '" + v + "'");
        return parsed;
    }

    /** Fails unless {@code needed} bytes (for {@code what} of {@code file}) fit in the budget. */
    static void check(Path file, long needed, String what) throws DataTooLargeException {
        if (needed > bytes()) throw exceeded(file, what + " needs " + human(needed) + " of memory");
    }

    /** The refusal for {@code problem} (which says what needs how much), naming the budget and how to raise it. */
    static DataTooLargeException exceeded(Path file, String problem) {
        return new DataTooLargeException(file, problem + ", over the data memory budget of " + human(bytes()) + "; raise it with -D"
                + PROPERTY + "=BYTES or " + ENV + "=BYTES (e.g. 8g) and give Java the heap (-Xmx, e.g. in LIPREG_JAVA_OPTS)");
    }

    /** {@code a * b + c} without overflow (saturates at Long.MAX_VALUE: over any budget). */
    static long bytes(long a, long b, long c) {
        try {
            return Math.addExact(Math.multiplyExact(a, b), c);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static long parseBytes(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
            if (unit > 1) t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) return "more than 2^63 bytes";
        if (bytes < 1L << 20) return bytes + " bytes";
        String[] units = {"MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes / (double) (1L << 20);
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
    }
}
