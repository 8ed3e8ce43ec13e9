package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** SGD with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD. */
public final class Sgd extends ParameterOptimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    public Sgd(Map<String, Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("SGD", params, lr, List.of("momentum_buffer"));
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: weight decay must be >= 0, got " + weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    public Sgd(Map<String, Parameter> params, double lr, double momentum, double weightDecay) {
        this(params, lr, momentum, 0, weightDecay, false);
    }

    @Override
    void update(String key, Parameter p, Tensor g) {
        Backend k = g.backend();
        Tensor d = weightDecay != 0 ? k.binary(BinaryOp.ADD, g, k.affine(p.value(), weightDecay, 0)) : g;
        if (momentum != 0) {
            String name = "momentum_buffer." + key;
            Tensor buf = state.get(name);
            Tensor next = buf == null ? d : k.binary(BinaryOp.ADD, k.affine(buf, momentum, 0), k.affine(d, 1 - dampening, 0));
            state.set(name, next);
            d = nesterov ? k.binary(BinaryOp.ADD, d, k.affine(next, momentum, 0)) : next;
        }
        p.assign(k.binary(BinaryOp.SUB, p.value(), k.affine(d, lr, 0)));
    }
}
