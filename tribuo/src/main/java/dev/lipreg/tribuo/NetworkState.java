package dev.lipreg.tribuo;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Tensor;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained network held on the Java heap: its spec as JSON and every
 * parameter and buffer as a float array with its shape. Tribuo models outlive
 * any {@link dev.lipreg.tensor.Scope} and are serialized, so the native
 * tensors are rebuilt from here, in the caller's scope, when needed.
 */
final class NetworkState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String specJson;
    private final LinkedHashMap<String, int[]> shapes = new LinkedHashMap<>();
    private final LinkedHashMap<String, float[]> values = new LinkedHashMap<>();
    private transient ModelSpec spec;

    NetworkState(String specJson, Map<String, int[]> shapes, Map<String, float[]> values) {
        this.specJson = specJson;
        if (!shapes.keySet().equals(values.keySet())) throw new IllegalArgumentException("shapes and values name different tensors");
        shapes.forEach((k, s) -> {
            float[] v = values.get(k);
            if (Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b) != v.length) {
                throw new IllegalArgumentException("tensor " + k + ": shape " + Arrays.toString(s) + " does not hold " + v.length + " values");
            }
            this.shapes.put(k, s.clone());
            this.values.put(k, v.clone());
        });
        spec();
    }

    /** Copies the state of {@code module}, built from {@code spec}. */
    static NetworkState of(ModelSpec spec, Module module) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        module.stateDict().forEach((k, t) -> {
            shapes.put(k, t.shape().dims());
            values.put(k, t.toFloatArray());
        });
        return new NetworkState(spec.toJson(), shapes, values);
    }

    ModelSpec spec() {
        if (spec == null) spec = ModelSpec.parse(specJson);
        return spec;
    }

    String specJson() {
        return specJson;
    }

    Map<String, int[]> shapes() {
        return Collections.unmodifiableMap(shapes);
    }

    /** The values of one tensor; the state's own array, do not modify. */
    float[] values(String name) {
        float[] v = values.get(name);
        if (v == null) throw new IllegalArgumentException("network has no tensor named '" + name + "', it has " + values.keySet());
        return v;
    }

    /** The network on {@code backend}, in evaluation mode, in the current scope. */
    Module build(Backend backend) {
        Module m = spec().build(new Init(backend, 0));
        Map<String, Tensor> state = new LinkedHashMap<>();
        shapes.forEach((k, s) -> state.put(k, Tensor.of(backend, values.get(k), s)));
        m.loadStateDict(state);
        m.eval();
        return m;
    }
}
