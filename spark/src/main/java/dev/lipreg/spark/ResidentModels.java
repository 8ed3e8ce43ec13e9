package dev.lipreg.spark;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The models an executor JVM keeps loaded between tasks, keyed by the checkpoint's
 * hash: a model is built once per task slot that evaluates it (each copy on its own
 * {@link TaskBackend}, so the executor's tasks run side by side) and reused by every
 * later task of that model. A copy's tensors live in a scope owned by a small parked
 * thread, because a scope belongs to the thread that opened it and Spark's task
 * threads come and go; closing the copy ends that thread and frees the memory.
 * At most {@link #MAX_MODELS} distinct models stay loaded (least recently used idle
 * copies go first).
 */
final class ResidentModels {
    static final int MAX_MODELS = 4;
    private static final Map<String, Deque<Copy>> IDLE = new LinkedHashMap<>(16, 0.75f, true);

    private ResidentModels() {
    }

    /** A loaded model on its own backend; give it back with {@link #release}. */
    static final class Copy implements AutoCloseable {
        final String hash;
        final Module module;
        final Backend backend;
        private final CountDownLatch end = new CountDownLatch(1);

        private Copy(String hash, Module module, Backend backend) {
            this.hash = hash;
            this.module = module;
            this.backend = backend;
        }

        @Override
        public void close() {
            end.countDown();
        }
    }

    /** An idle copy of {@code model}, or a new one. */
    static Copy borrow(ModelBytes model, int threads) {
        synchronized (IDLE) {
            Deque<Copy> idle = IDLE.get(model.hash());
            if (idle != null && !idle.isEmpty()) return idle.pop();
        }
        return load(model, threads);
    }

    /** Returns a copy for later tasks, dropping the least recently used models beyond {@link #MAX_MODELS}. */
    static void release(Copy c) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(c.hash, k -> new ArrayDeque<>()).push(c);
            while (IDLE.size() > MAX_MODELS) {
                String eldest = IDLE.keySet().iterator().next();
                IDLE.remove(eldest).forEach(Copy::close);
            }
        }
    }

    private static Copy load(ModelBytes model, int threads) {
        CompletableFuture<Copy> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("lipreg-model-" + model.hash().substring(0, 12)).start(() -> {
            try (TaskBackend tb = TaskBackend.open(threads); Scope scope = Scope.open()) {
                Copy c = new Copy(model.hash(), model.build(tb.backend()), tb.backend());
                ready.complete(c);
                c.end.await();
            } catch (Throwable t) {
                ready.completeExceptionally(t);
            }
        });
        try {
            return ready.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("loading " + model.name() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading " + model.name(), e);
        }
    }
}
