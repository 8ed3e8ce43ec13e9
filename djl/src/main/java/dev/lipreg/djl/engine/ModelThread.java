package dev.lipreg.djl.engine;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * One loaded LipReg model and the thread that owns it. LipReg scopes belong to
 * the thread that opened them, while DJL calls a model from any thread and
 * closes it from yet another: so the weights' scope is opened, used and closed
 * on this one thread, and predictions queue on it.
 */
final class ModelThread implements AutoCloseable {
    private final ExecutorService thread;
    private final Backend backend;
    private Scope weights;
    private Module module;

    ModelThread(String name, Backend backend) {
        this.backend = backend;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lipreg-djl-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Builds the model on this thread, in the scope its weights live in until {@link #close()}. */
    void load(Function<Backend, Module> loader) {
        submit(() -> {
            Scope s = Scope.open();
            try {
                module = loader.apply(backend);
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
            weights = s;
            return null;
        });
    }

    Backend backend() {
        return backend;
    }

    /** Runs {@code work} on the model's thread with the model, inside a scope of its own. */
    <T> T call(ModelWork<T> work) {
        return submit(() -> {
            try (Scope s = Scope.open()) {
                return work.run(module);
            }
        });
    }

    private <T> T submit(Callable<T> task) {
        try {
            return thread.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the LipReg model thread", e);
        }
    }

    @Override
    public void close() {
        if (thread.isShutdown()) return;
        try {
            submit(() -> {
                if (weights != null) weights.close();
                weights = null;
                module = null;
                return null;
            });
        } finally {
            thread.shutdown();
        }
    }

    @FunctionalInterface
    interface ModelWork<T> {
        T run(Module module);
    }
}
