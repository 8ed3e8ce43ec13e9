package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.AdaptiveAvgPool2d;
import dev.lipreg.nn.AvgPool2d;
import dev.lipreg.nn.BatchNorm2d;
import dev.lipreg.nn.BottleneckBlock;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Dropout;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.nn.ResidualBlock;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An upper bound on the ℓ2→ℓ2 Lipschitz constant of a model's logits: the
 * product of its layers' bounds. Linear layers get their operator norm by
 * {@link PowerIteration} on the true operator (a Conv2d directly followed by a
 * BatchNorm2d counts as one affine map, bounded jointly); activations their
 * largest slope; max pooling 1 for non-overlapping windows, √(windows covering
 * a pixel) otherwise; batch norm max |γ|/√(var+eps); a residual block
 * relu(branch(x) + shortcut(x)) the sum of both paths' bounds. Power iteration
 * approaches each norm from below, so the bound is exact only up to its
 * tolerance; {@link Factor#converged} reports whether it was met.
 */
public final class LipschitzUpperBound {
    /** The eps of the BatchNorm2d layers inside the residual blocks (their constructor's default). */
    private static final double BLOCK_BN_EPS = 1e-5;

    private LipschitzUpperBound() {
    }

    /** One layer's (or merged layers') bound. */
    public record Factor(String layer, double value, boolean converged) {
    }

    /** The factors in order and their product. */
    public record Bound(List<Factor> factors, double value) {
    }

    /** For a model in evaluation mode on inputs of shape {@code input} (without the batch axis, e.g. [1, 28, 28]). */
    public static Bound of(Module model, int[] input, PowerIteration power) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        if (model.isTraining()) throw new IllegalArgumentException("model is in training mode; call model.eval() so batch norm uses its running statistics");
        if (input == null || input.length == 0) throw new IllegalArgumentException("input shape must be given without the batch axis, e.g. [1, 28, 28]");
        if (power == null) throw new IllegalArgumentException("power iteration settings must not be null");
        int[] dims = new int[input.length + 1];
        dims[0] = 1;
        System.arraycopy(input, 0, dims, 1, input.length);
        Walker w = new Walker(model, power);
        try (Scope s = Scope.open()) {
            List<Module> layers = model instanceof Sequential seq ? seq.layers() : List.of(model);
            w.layers(layers, Shape.of(dims));
        }
        double product = 1;
        for (Factor f : w.factors) product *= f.value();
        return new Bound(List.copyOf(w.factors), product);
    }

    /** Walks the layers, propagating the input shape by probing each layer with zeros. */
    private static final class Walker {
        private final PowerIteration power;
        private final Backend k;
        private final DType dtype;
        private final List<Factor> factors = new ArrayList<>();

        Walker(Module model, PowerIteration power) {
            this.power = power;
            Parameter any = model.parameters().values().stream().findFirst().orElse(null);
            this.k = any == null ? Backends.reference() : any.backend();
            this.dtype = any == null ? DType.FLOAT64 : any.dtype();
        }

        Shape layers(List<Module> layers, Shape in) {
            Shape shape = in;
            for (int i = 0; i < layers.size(); i++) {
                Module m = layers.get(i);
                if (m instanceof Conv2d c && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm2d bn) {
                    factors.add(norm(c.describe() + " + " + bn.describe(), LinearOperator.conv2d(c.weight().value(), c.spec(), shape, bnScale(bn))));
                    shape = probe(bn, probe(c, shape));
                    i++;
                } else if (m instanceof Sequential seq) {
                    shape = layers(seq.layers(), shape);
                } else {
                    factors.add(factor(m, shape));
                    shape = probe(m, shape);
                }
            }
            return shape;
        }

        private Factor factor(Module m, Shape in) {
            String name = m.describe();
            return switch (m) {
                case Conv2d c -> norm(name, LinearOperator.conv2d(c.weight().value(), c.spec(), in, null));
                case Linear l -> norm(name, LinearOperator.linear(l.weight().value()));
                case BatchNorm2d bn -> exact(name, maxAbs(bnScale(bn)));
                case Activation a -> exact(name, slope(a));
                case MaxPool2d p -> exact(name, Math.sqrt(overlap(p.spec())));
                case AvgPool2d p -> norm(name, LinearOperator.avgPool2d(p.spec(), in, k, dtype));
                case AdaptiveAvgPool2d p -> exact(name, 1 / Math.sqrt((double) in.dim(2) * in.dim(3)));
                case Flatten f -> exact(name, 1);
                case Dropout d -> exact(name, 1);
                case ResidualBlock b -> residual(b, in);
                case BottleneckBlock b -> bottleneck(b, in);
                default -> throw new IllegalArgumentException("no Lipschitz bound for layer " + name + "; supported: Sequential of Conv2d, Linear, "
                        + "BatchNorm2d, activations, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Dropout, ResidualBlock, BottleneckBlock");
            };
        }

        /** relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)): ≤ ‖bn2∘conv2‖·‖bn1∘conv1‖ + ‖shortcut‖ (1 for identity). */
        private Factor residual(ResidualBlock b, Shape in) {
            Map<String, Parameter> p = b.parameters();
            Tensor w1 = p.get("conv1.weight").value(), w2 = p.get("conv2.weight").value();
            int stride = strideOf(b, in);
            int groups = in.dim(1) / w1.dim(1);
            Conv2dSpec first = new Conv2dSpec(stride, stride, 1, 1, 1, 1, groups);
            Shape mid = first.outputShape(in, w1.shape());
            PowerIteration.Estimate e1 = power.sigmaMax(LinearOperator.conv2d(w1, first, in, blockBnScale(b, "bn1")));
            PowerIteration.Estimate e2 = power.sigmaMax(LinearOperator.conv2d(w2, new Conv2dSpec(1, 1, 1, 1, 1, 1, groups), mid, blockBnScale(b, "bn2")));
            Factor skip = shortcut(b, in, stride);
            return new Factor(b.describe(), e1.sigma() * e2.sigma() + skip.value(), e1.converged() && e2.converged() && skip.converged());
        }

        /** Three convolutions (1x1, grouped 3x3 with the stride, 1x1) with batch norms and ReLUs, plus the shortcut. */
        private Factor bottleneck(BottleneckBlock b, Shape in) {
            Map<String, Parameter> p = b.parameters();
            Tensor w1 = p.get("conv1.weight").value(), w2 = p.get("conv2.weight").value(), w3 = p.get("conv3.weight").value();
            int stride = strideOf(b, in);
            Conv2dSpec pointwise = Conv2dSpec.of(1, 0);
            Conv2dSpec grouped = new Conv2dSpec(stride, stride, 1, 1, 1, 1, w1.dim(0) / w2.dim(1));
            Shape s1 = pointwise.outputShape(in, w1.shape());
            Shape s2 = grouped.outputShape(s1, w2.shape());
            PowerIteration.Estimate e1 = power.sigmaMax(LinearOperator.conv2d(w1, pointwise, in, blockBnScale(b, "bn1")));
            PowerIteration.Estimate e2 = power.sigmaMax(LinearOperator.conv2d(w2, grouped, s1, blockBnScale(b, "bn2")));
            PowerIteration.Estimate e3 = power.sigmaMax(LinearOperator.conv2d(w3, pointwise, s2, blockBnScale(b, "bn3")));
            Factor skip = shortcut(b, in, stride);
            return new Factor(b.describe(), e1.sigma() * e2.sigma() * e3.sigma() + skip.value(),
                    e1.converged() && e2.converged() && e3.converged() && skip.converged());
        }

        /** The projection shortcut (1x1 conv with the block's stride, then batch norm), or the identity. */
        private Factor shortcut(Module b, Shape in, int stride) {
            Parameter w = b.parameters().get("shortcut.0.weight");
            if (w == null) return exact("identity", 1);
            return norm("shortcut", LinearOperator.conv2d(w.value(), Conv2dSpec.of(stride, 0), in, blockBnScale(b, "shortcut.1")));
        }

        /** The blocks do not expose their stride: the smallest one whose 3x3, padding-1 geometry gives the block's output size. */
        private int strideOf(Module b, Shape in) {
            Shape out = probe(b, in);
            for (int s = 1; s <= Math.max(in.dim(2), in.dim(3)); s++) {
                if ((in.dim(2) - 1) / s + 1 == out.dim(2) && (in.dim(3) - 1) / s + 1 == out.dim(3)) return s;
            }
            throw new IllegalStateException(b.describe() + ": no stride maps " + in + " to " + out);
        }

        /** γ/√(running_var + eps) of a block's batch norm named {@code prefix}. */
        private Tensor blockBnScale(Module b, String prefix) {
            Tensor gamma = b.parameters().get(prefix + ".weight").value();
            Tensor var = b.buffers().get(prefix + ".running_var").value();
            return k.binary(BinaryOp.DIV, gamma, k.unary(UnaryOp.SQRT, k.affine(var, 1, BLOCK_BN_EPS)));
        }

        /** An evaluation-mode batch norm is x ↦ s⊙x + t per channel; s = bn(1) − bn(0), whatever its eps. */
        private Tensor bnScale(BatchNorm2d bn) {
            int c = bn.parameters().get("weight").shape().dim(0);
            try (GradMode.Restore off = GradMode.disabled()) {
                Tensor one = bn.forward(Variable.constant(k.full(Shape.of(1, c, 1, 1), dtype, 1))).value();
                Tensor zero = bn.forward(Variable.constant(k.full(Shape.of(1, c, 1, 1), dtype, 0))).value();
                return k.binary(BinaryOp.SUB, one, zero).reshape(c);
            }
        }

        private Factor norm(String name, LinearOperator op) {
            try (Scope s = Scope.open()) {
                PowerIteration.Estimate e = power.sigmaMax(op);
                return new Factor(name, e.sigma(), e.converged());
            }
        }

        private Shape probe(Module m, Shape in) {
            try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
                return m.forward(Variable.constant(k.full(in, dtype, 0))).shape();
            }
        }

        private double maxAbs(Tensor t) {
            return k.reduce(ReduceOp.NORM_LINF, t, new int[0], false).item();
        }

        private static Factor exact(String name, double v) {
            return new Factor(name, v, true);
        }

        /** The largest |f'| of an activation. */
        private static double slope(Activation a) {
            return switch (a.kind()) {
                case RELU, SOFTPLUS, TANH -> 1;
                case LEAKY_RELU -> Math.max(1, Math.abs(a.alpha()));
                case ELU -> Math.max(1, Math.abs(a.alpha())); // α·eˣ on the negative side
                case SIGMOID -> 0.25;
            };
        }

        /** How many pooling windows can contain one input pixel. */
        private static double overlap(Pool2dSpec p) {
            return Math.ceil((double) p.kernelH() / p.strideH()) * Math.ceil((double) p.kernelW() / p.strideW());
        }
    }
}
