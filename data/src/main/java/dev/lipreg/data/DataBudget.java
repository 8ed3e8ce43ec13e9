package dev.lipreg.data;

import dev.lipreg.tensor.io.MemoryBudget;

import java.nio.file.Path;

/**
 * How much memory the dataset loaders may allocate for one dataset: its decompressed bytes plus the
 * float pixels built from them. Every loader checks the size a header declares (or a file's length)
 * against this budget before allocating, so a file that would not fit in memory is refused with a
 * {@link DataTooLargeException} instead of an {@link OutOfMemoryError}.
 *
 * <p>The budget is the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV} (bytes, with an optional k/m/g/t suffix), else three quarters of the Java heap
 * ({@code -Xmx}). It is read at every check, so it can be changed between loads.
 */
public final class DataBudget {
    /** The system property setting the budget in bytes (e.g. 16g). */
    public static final String PROPERTY = "lipreg.maxDataBytes";
    /** The environment variable setting the budget when the property is unset. */
    public static final String ENV = "LIPREG_MAX_DATA_BYTES";
    private static final MemoryBudget BUDGET = new MemoryBudget(PROPERTY, ENV, () -> Runtime.getRuntime().maxMemory() / 4 * 3);

    private DataBudget() {}

    /** {@return the budget in bytes} */
    public static long bytes() {
        return BUDGET.bytes();
    }

    /** Fails unless {@code needed} bytes (for {@code what} of {@code file}) fit in the budget. */
    static void check(Path file, long needed, String what) throws DataTooLargeException {
        if (needed > bytes()) throw exceeded(file, what + " needs " + MemoryBudget.human(needed) + " of memory");
    }

    /** The refusal for {@code problem} (which says what needs how much), naming the budget and how to raise it. */
    static DataTooLargeException exceeded(Path file, String problem) {
        return new DataTooLargeException(file, problem + ", over the data memory budget of " + MemoryBudget.human(bytes()) + "; "
                + BUDGET.howToRaise() + " (e.g. 8g) and give Java the heap (-Xmx, e.g. in LIPREG_JAVA_OPTS)");
    }
}
