package dev.lipreg.spark;

/** A distributed job whose task failed every attempt Spark allowed; the message is the task's own error, on one line. */
public final class JobFailedException extends RuntimeException {
    /**
     * A job that failed in a task.
     *
     * @param message the task's own error, on one line
     * @param cause   the exception Spark reported for the job
     */
    public JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
