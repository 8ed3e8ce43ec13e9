package dev.lipreg.nn;

import dev.lipreg.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every optimizer here shares: named parameters, a learning rate, named
 * state tensors per parameter, and a step that updates each parameter that has
 * a gradient. Subclasses give the update rule.
 */
abstract class ParameterOptimizer implements Optimizer {
    private final Map<String, Parameter> params;
    private final String name;
    private final List<String> stateKinds;
    final OptimizerState state = new OptimizerState();
    double lr;

    ParameterOptimizer(String name, Map<String, Parameter> params, double lr, List<String> stateKinds) {
        if (!(lr >= 0)) throw new IllegalArgumentException(name + ": learning rate must be >= 0, got " + lr);
        this.name = name;
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.stateKinds = List.copyOf(stateKinds);
    }

    /** Updates parameter {@code p} (state names end in "." + {@code key}) from its gradient {@code g}. */
    abstract void update(String key, Parameter p, Tensor g);

    @Override
    public final void step() {
        for (var e : params.entrySet()) {
            Tensor g = e.getValue().grad();
            if (g != null) update(e.getKey(), e.getValue(), g);
        }
    }

    @Override
    public final void zeroGrad() {
        params.values().forEach(Parameter::zeroGrad);
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException(name + ": learning rate must be >= 0, got " + lr);
        this.lr = lr;
    }

    @Override
    public final Map<String, Tensor> state() {
        return state.snapshot();
    }

    @Override
    public final void loadState(Map<String, Tensor> s) {
        state.load(s, name, params, stateKinds);
    }
}
