package dev.lipreg.nn;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Named per-parameter state tensors of an optimizer, created lazily in the optimizer's own scope. */
final class OptimizerState {
    private final Scope home;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    OptimizerState() {
        this.home = Scope.current();
    }

    Tensor get(String name) {
        return tensors.get(name);
    }

    /** The state named {@code name}, created from {@code initial} (copied into the home scope) the first time. */
    Tensor getOrCreate(String name, Supplier<Tensor> initial) {
        Tensor t = tensors.get(name);
        if (t == null) {
            t = home.run(() -> {
                Tensor v = initial.get();
                return v.backend().copy(v);
            });
            tensors.put(name, t);
        }
        return t;
    }

    void set(String name, Tensor value) {
        Tensor t = getOrCreate(name, () -> value);
        if (t != value) t.backend().copyInto(t, value);
    }

    Map<String, Tensor> snapshot() {
        return new LinkedHashMap<>(tensors);
    }

    void load(Map<String, Tensor> state, String optimizer) {
        for (var e : state.entrySet()) {
            Tensor cur = tensors.get(e.getKey());
            if (cur != null && (!cur.shape().equals(e.getValue().shape()) || cur.dtype() != e.getValue().dtype())) {
                throw new IllegalArgumentException(optimizer + " state " + e.getKey() + ": expected " + cur.dtype() + cur.shape()
                        + ", found " + e.getValue().dtype() + e.getValue().shape());
            }
        }
        for (var e : state.entrySet()) set(e.getKey(), e.getValue());
    }
}
