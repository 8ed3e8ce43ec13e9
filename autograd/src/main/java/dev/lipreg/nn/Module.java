package dev.lipreg.nn;

import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer or a network: a function of one input with named parameters, buffers
 * and child modules. Names follow PyTorch's state_dict keys ("0.weight",
 * "3.running_mean", "layer1.0.conv1.weight"), so checkpoints load in PyTorch.
 * Subclasses register state in their constructors, in PyTorch's order.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** A module with no state yet, in training mode; subclasses register their state next. */
    public Module() {
    }

    /**
     * The module's output for {@code x}, recorded for differentiation while {@link dev.lipreg.autograd.GradMode} is on.
     *
     * @param x the input
     * @return the output
     */
    public abstract Variable forward(Variable x);

    /**
     * Registers a trainable parameter under {@code name} (call in the constructor, in PyTorch's order).
     *
     * @param name  the state-dict name, without dots
     * @param value the initial value
     * @return the parameter
     */
    protected final Parameter registerParameter(String name, Tensor value) {
        Parameter p = new Parameter(value);
        putUnique(parameters, name, p);
        return p;
    }

    /**
     * Registers a non-trainable state tensor under {@code name}.
     *
     * @param name  the state-dict name, without dots
     * @param value the initial value
     * @return the buffer
     */
    protected final Buffer registerBuffer(String name, Tensor value) {
        Buffer b = new Buffer(value);
        putUnique(buffers, name, b);
        return b;
    }

    /**
     * Registers a child module under {@code name}; its state appears as "name.…".
     *
     * @param <M>   the child's type
     * @param name  the name, without dots
     * @param child the child
     * @return {@code child}
     */
    protected final <M extends Module> M registerModule(String name, M child) {
        putUnique(children, name, child);
        return child;
    }

    private <T> void putUnique(Map<String, T> map, String name, T value) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("invalid state name '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
        map.put(name, value);
    }

    /** {@return all parameters, depth first, with dotted names} */
    public final Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return Collections.unmodifiableMap(out);
    }

    /** {@return all buffers, depth first, with dotted names} */
    public final Map<String, Buffer> buffers() {
        Map<String, Buffer> out = new LinkedHashMap<>();
        collect("", null, out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Buffer> bs) {
        if (ps != null) parameters.forEach((k, v) -> ps.put(prefix + k, v));
        if (bs != null) buffers.forEach((k, v) -> bs.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", ps, bs));
    }

    /**
     * Parameters and buffers in PyTorch's state_dict order (per module: parameters, buffers, then children).
     *
     * @return the state, by name
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateInto("", out);
        return out;
    }

    private void stateInto(String prefix, Map<String, Tensor> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v.value()));
        buffers.forEach((k, v) -> out.put(prefix + k, v.value()));
        children.forEach((k, m) -> m.stateInto(prefix + k + ".", out));
    }

    /**
     * Copies {@code state} into this module's parameters and buffers. Every name,
     * shape and dtype is checked before anything is written, so a mismatching
     * state leaves the module unchanged. Floating-point tensors of another precision are
     * converted (float64 to the nearest float32, as PyTorch's {@code load_state_dict} does;
     * a finite value beyond float32's range is refused); integer and floating-point
     * tensors do not convert into each other.
     *
     * @param state the tensors, by state-dict name
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> own = stateDict();
        StringBuilder problems = new StringBuilder();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            Tensor dst = e.getValue();
            if (src == null) {
                problems.append("\n  missing ").append(e.getKey()).append(' ').append(dst.dtype()).append(dst.shape());
            } else if (!src.shape().equals(dst.shape()) || src.dtype() != dst.dtype() && !(src.dtype().isFloating() && dst.dtype().isFloating())) {
                problems.append("\n  ").append(e.getKey()).append(": expected ").append(dst.dtype()).append(dst.shape())
                        .append(", found ").append(src.dtype()).append(src.shape());
                if (src.dtype().isFloating() != dst.dtype().isFloating()) {
                    problems.append(dst.dtype().isFloating() ? " (integer values do not convert to floating-point weights)"
                            : " (floating-point values do not convert to an integer buffer)");
                }
            } else if (src.dtype() == DType.FLOAT64 && dst.dtype() == DType.FLOAT32) {
                double[] v = src.toDoubleArray();
                for (int i = 0; i < v.length; i++) {
                    if (Double.isFinite(v[i]) && Float.isInfinite((float) v[i])) {
                        problems.append("\n  ").append(e.getKey()).append(": FLOAT64 value ").append(v[i]).append(" at element ").append(i)
                                .append(" is beyond float32's range (±").append(Float.MAX_VALUE).append(")");
                        break;
                    }
                }
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) problems.append("\n  unexpected ").append(k);
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("state does not fit " + describe() + ":" + problems);
        for (var e : own.entrySet()) {
            Tensor dst = e.getValue();
            Tensor src = converted(state.get(e.getKey()), dst);
            dst.backend().copyInto(dst, src.backend() == dst.backend() ? src : src.to(dst.backend()));
        }
    }

    /** {@code src} in {@code dst}'s dtype, cast on whichever of the two backends holds both dtypes (in the current scope). */
    private static Tensor converted(Tensor src, Tensor dst) {
        if (src.dtype() == dst.dtype()) return src;
        Backend k = src.backend().supports(dst.dtype()) ? src.backend() : dst.backend();
        return k.cast(src.backend() == k ? src : src.to(k), dst.dtype());
    }

    /**
     * Switches this module and its children between training and evaluation behaviour.
     *
     * @param on true for training behaviour
     * @return this module
     */
    public final Module train(boolean on) {
        training = on;
        children.values().forEach(m -> m.train(on));
        return this;
    }

    /**
     * Switches to evaluation behaviour: {@code train(false)}.
     *
     * @return this module
     */
    public final Module eval() {
        return train(false);
    }

    /** {@return whether this module is in training mode} */
    public final boolean isTraining() {
        return training;
    }

    /** {@return the child modules, by name} */
    protected final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** {@return number of trainable scalars} */
    public final long parameterCount() {
        return parameters().values().stream().mapToLong(p -> p.shape().size()).sum();
    }

    /**
     * A one-line description, e.g. "Conv2d(1, 32, kernel=3x3, stride=1, padding=1)".
     *
     * @return the description
     */
    public String describe() {
        return getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return describe();
    }
}
