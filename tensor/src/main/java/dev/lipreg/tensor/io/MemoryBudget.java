package dev.lipreg.tensor.io;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A limit on the memory one load may allocate, read at each use from a system property, else an
 * environment variable (bytes, with an optional k/m/g/t suffix), else a default. LipReg's loaders
 * check what a file or spec declares against such a budget before allocating, and refuse with
 * {@link #howToRaise()} in the message: the data budget (dataset loaders), the tensor budget
 * (safetensors reads) and the model budget (model specs).
 *
 * @param property    system property, e.g. {@code lipreg.maxDataBytes}
 * @param env         environment variable, e.g. {@code LIPREG_MAX_DATA_BYTES}
 * @param fallback    the default in bytes
 */
public record MemoryBudget(String property, String env, LongSupplier fallback) {

    /** {@return the budget in bytes; a setting that is not a positive byte count is an IllegalArgumentException naming it} */
    public long bytes() {
        String v = System.getProperty(property);
        String source = "-D" + property;
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
            source = env;
        }
        if (v == null || v.isBlank()) return fallback.getAsLong();
        long parsed = parse(v);
        if (parsed < 1) throw new IllegalArgumentException(source + ": expected a byte count such as 2000000000 or 2g, got '" + v + "'");
        return parsed;
    }

    /**
     * "raise it with -Dproperty=BYTES or ENV=BYTES".
     *
     * @return the hint
     */
    public String howToRaise() {
        return "raise it with -D" + property + "=BYTES or " + env + "=BYTES";
    }

    /**
     * {@code a * b + c}, saturating at Long.MAX_VALUE (over any budget) instead of overflowing.
     *
     * @param a a factor
     * @param b the other factor
     * @param c the addend
     * @return the result
     */
    public static long product(long a, long b, long c) {
        try {
            return Math.addExact(Math.multiplyExact(a, b), c);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A byte count for messages: "512 bytes", "95.4 MiB (100000000 bytes)", "12.0 GiB (12884901888 bytes)".
     *
     * @param bytes the count
     * @return the text
     */
    public static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) return "more than 2^63 bytes";
        if (bytes < 1L << 20) return bytes + " bytes";
        boolean gib = bytes >= 1L << 30;
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", bytes / (double) (gib ? 1L << 30 : 1L << 20), gib ? "GiB" : "MiB", bytes);
    }

    /** Bytes with an optional k/m/g/t (binary) suffix, or -1 when it is not such a count. */
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
}
