package dev.lipreg.tensor.io;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * How many bytes of tensor data one safetensors read may stage in memory. A header may declare
 * any size (the file can be sparse), so the reader checks the declared data length against this
 * budget before allocating: system property {@value #PROPERTY}, else env {@value #ENV}, else half
 * of the machine's physical memory (4 GiB when the JVM cannot tell).
 */
final class TensorBudget {
    static final String PROPERTY = "lipreg.maxTensorBytes";
    static final String ENV = "LIPREG_MAX_TENSOR_BYTES";
    static final MemoryBudget BUDGET = new MemoryBudget(PROPERTY, ENV, TensorBudget::halfThePhysicalMemory);

    private TensorBudget() {
    }

    /** Fails unless {@code needed} bytes of tensor data from {@code file} fit in the budget. */
    static void check(Path file, long needed) {
        long budget = BUDGET.bytes();
        if (needed > budget) {
            throw new IllegalArgumentException("cannot load " + file + ": its tensor data needs " + MemoryBudget.human(needed)
                    + " of memory, over the tensor memory budget of " + MemoryBudget.human(budget) + "; " + BUDGET.howToRaise() + " (e.g. 16g)");
        }
    }

    private static long halfThePhysicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) return total / 2;
        }
        return 4L << 30;
    }
}
