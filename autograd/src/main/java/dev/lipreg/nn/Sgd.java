package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Tensor;

import java.util.Map;

/** SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD. */
public final class Sgd implements Optimizer {
    private final Map<String, Parameter> params;
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final OptimizerState state = new OptimizerState();
    private double lr;

    public Sgd(Map<String, Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        if (!(lr >= 0)) throw new IllegalArgumentException("SGD: learning rate must be >= 0, got " + lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: weight decay must be >= 0, got " + weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.params = new java.util.LinkedHashMap<>(params);
        this.lr = lr;
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    public Sgd(Map<String, Parameter> params, double lr, double momentum, double weightDecay) {
        this(params, lr, momentum, 0, weightDecay, false);
    }

    @Override
    public void step() {
        for (var e : params.entrySet()) {
            Parameter p = e.getValue();
            Tensor g = p.grad();
            if (g == null) continue;
            Backend k = g.backend();
            Tensor d = weightDecay != 0 ? k.binary(BinaryOp.ADD, g, k.affine(p.value(), weightDecay, 0)) : g;
            if (momentum != 0) {
                String name = "momentum_buffer." + e.getKey();
                Tensor buf = state.get(name);
                Tensor next = buf == null ? d : k.binary(BinaryOp.ADD, k.affine(buf, momentum, 0), k.affine(d, 1 - dampening, 0));
                state.set(name, next);
                d = nesterov ? k.binary(BinaryOp.ADD, d, k.affine(next, momentum, 0)) : next;
            }
            p.assign(k.binary(BinaryOp.SUB, p.value(), k.affine(d, lr, 0)));
        }
    }

    @Override
    public void zeroGrad() {
        params.values().forEach(Parameter::zeroGrad);
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    @Override
    public Map<String, Tensor> state() {
        return state.snapshot();
    }

    @Override
    public void loadState(Map<String, Tensor> s) {
        state.load(s, "SGD", params, java.util.List.of("momentum_buffer"));
    }
}
