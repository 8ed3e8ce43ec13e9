package dev.lipreg.nn;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * Replaces entries with {@code state} after checking all of them: each name must be
     * {@code kind.param} for one of {@code kinds} and a parameter in {@code params}, with that
     * parameter's shape and dtype ("step": an int64 scalar). A bad entry rejects the whole
     * state and changes nothing, also when the optimizer has no state yet.
     */
    void load(Map<String, Tensor> state, String optimizer, Map<String, Parameter> params, List<String> kinds) {
        for (var e : state.entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            Parameter p = dot < 0 ? null : params.get(key.substring(dot + 1));
            String kind = dot < 0 ? key : key.substring(0, dot);
            if (p == null || !kinds.contains(kind)) {
                throw new IllegalArgumentException(optimizer + " state: unexpected entry '" + key + "', expected one of "
                        + kinds + " followed by '.' and a parameter name");
            }
            Shape shape = kind.equals("step") ? Shape.scalar() : p.shape();
            DType dtype = kind.equals("step") ? DType.INT64 : p.dtype();
            Tensor v = e.getValue();
            if (!v.shape().equals(shape) || v.dtype() != dtype) {
                throw new IllegalArgumentException(optimizer + " state " + key + ": expected " + dtype + shape
                        + ", found " + v.dtype() + v.shape());
            }
        }
        for (var e : state.entrySet()) set(e.getKey(), e.getValue());
    }
}
