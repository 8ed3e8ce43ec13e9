package dev.lipreg.spark;

import org.apache.spark.SparkException;

import java.util.function.Supplier;

/**
 * One-line messages from failures. A task that fails every attempt reaches the
 * driver as a {@link SparkException} whose message holds the executor's whole
 * stack trace; the user needs the innermost cause's message.
 */
final class Failures {
    private Failures() {
    }

    /** The innermost cause's message (its class name when it has none), on one line. */
    static String message(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        if (m == null || m.isBlank()) return root.getClass().getSimpleName();
        return m.lines().findFirst().orElse("").strip();
    }

    /** Runs a Spark job; a job that failed (a task failed every attempt) becomes one {@link JobFailedException} line. */
    static <T> T job(String what, Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) {
            // Scala throws SparkException without declaring it
            if (e instanceof SparkException s) throw new JobFailedException(what + " failed: " + jobFailure(s), e);
            throw e;
        }
    }

    /**
     * A failed Spark job as one line: the task failure's original exception (Spark keeps it as the cause
     * when it could be deserialized) or else the first line of Spark's text, which names the exception.
     */
    static String jobFailure(SparkException e) {
        if (e.getCause() != null) return message(e.getCause());
        String m = e.getMessage() == null ? "" : e.getMessage();
        // "Job aborted due to stage failure: Task 0 in stage 1.0 failed 2 times, most recent failure: Lost task ...: java.lang.X: msg\n\tat ..."
        String first = m.lines().findFirst().orElse(m);
        int at = first.indexOf("): ");
        return at >= 0 ? first.substring(at + 3).strip() : first.strip();
    }
}
