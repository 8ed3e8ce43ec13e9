package dev.lipreg.spark;

import dev.lipreg.bindings.Dnnl;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.dnnl.DnnlBackend;

/**
 * The backend one Spark task computes on. With oneDNN (the default) each task
 * gets its own oneDNN stream and primitive cache ({@link DnnlBackend#create()}),
 * because the JVM-wide instance runs one op at a time and would serialize the
 * tasks of an executor; the task's thread runs OpenMP regions with
 * {@code threads} threads (Spark's {@code spark.task.cpus}), so N task slots
 * use N × threads cores. Other configured backends ({@code LIPREG_BACKEND}) are
 * shared as they are.
 */
final class TaskBackend implements AutoCloseable {
    private final Backend backend;
    private final DnnlBackend own;

    private TaskBackend(Backend backend, DnnlBackend own) {
        this.backend = backend;
        this.own = own;
    }

    static TaskBackend open(int threads) {
        Backend configured = Backends.auto();
        if (!(configured instanceof DnnlBackend)) return new TaskBackend(configured, null);
        useThreads(threads);
        DnnlBackend b = DnnlBackend.create();
        return new TaskBackend(b, b);
    }

    /** OpenMP's thread count for the calling thread (OpenMP keeps it per thread; Spark reuses its task threads). */
    static void useThreads(int threads) {
        if (Backends.auto() instanceof DnnlBackend) Dnnl.setThreads(threads);
    }

    Backend backend() {
        return backend;
    }

    @Override
    public void close() {
        if (own != null) own.close();
    }
}
