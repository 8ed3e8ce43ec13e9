package dev.lipreg.nn;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.List;
import java.util.Map;

/**
 * Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight
 * decay), as torch.optim.Adam / AdamW with bias correction.
 */
public final class Adam extends ParameterOptimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;

    public Adam(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(decoupled ? "AdamW" : "Adam", params, lr, List.of("step", "exp_avg", "exp_avg_sq"));
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    public static Adam adam(Map<String, Parameter> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    public static Adam adamW(Map<String, Parameter> params, double lr, double weightDecay) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, true);
    }

    @Override
    void update(String key, Parameter p, Tensor grad) {
        Backend k = grad.backend();
        Tensor stepT = state.getOrCreate("step." + key, () -> k.full(Shape.scalar(), DType.INT64, 0));
        long t = stepT.toLongArray()[0] + 1;
        state.set("step." + key, k.full(Shape.scalar(), DType.INT64, t));
        Tensor w = p.value();
        if (decoupled && weightDecay != 0) w = k.affine(w, 1 - lr * weightDecay, 0);
        Tensor g = !decoupled && weightDecay != 0 ? k.binary(BinaryOp.ADD, grad, k.affine(w, weightDecay, 0)) : grad;
        Tensor m = state.getOrCreate("exp_avg." + key, () -> k.full(g.shape(), g.dtype(), 0));
        Tensor v = state.getOrCreate("exp_avg_sq." + key, () -> k.full(g.shape(), g.dtype(), 0));
        Tensor m2 = k.binary(BinaryOp.ADD, k.affine(m, beta1, 0), k.affine(g, 1 - beta1, 0));
        Tensor v2 = k.binary(BinaryOp.ADD, k.affine(v, beta2, 0), k.affine(k.unary(UnaryOp.SQUARE, g), 1 - beta2, 0));
        state.set("exp_avg." + key, m2);
        state.set("exp_avg_sq." + key, v2);
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        // p -= lr/c1 · m / (sqrt(v)/sqrt(c2) + eps)
        Tensor denom = k.affine(k.unary(UnaryOp.SQRT, v2), 1 / Math.sqrt(c2), eps);
        Tensor update = k.affine(k.binary(BinaryOp.DIV, m2, denom), lr / c1, 0);
        p.assign(k.binary(BinaryOp.SUB, w, update));
    }
}
