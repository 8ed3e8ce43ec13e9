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
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A sound upper bound on the ℓ2→ℓ2 Lipschitz constant of a model's logits: the
 * product of its layers' bounds, each provably ≥ the layer's true constant.
 * Convolutions and dense layers get a {@link SpectralBound} (Gram iteration; a
 * Conv2d directly followed by a BatchNorm2d counts as one affine map, bounded
 * jointly); average pooling Schur's test; activations their largest slope; max
 * pooling 1 for non-overlapping windows, √(windows covering a pixel) otherwise;
 * batch norm max |γ|/√(var+eps); a residual block relu(branch(x) + shortcut(x))
 * the sum of both paths' bounds. {@link Factor#method} names the bound used.
 */
public final class LipschitzUpperBound {

    private LipschitzUpperBound() {
    }

    /** How a factor was bounded; every one is an upper bound. */
    public enum Method {
        /** A closed form that equals the layer's constant or bounds it (slopes, batch-norm scale, pooling overlap). */
        CLOSED_FORM("closed form"),
        /** Gram iteration on the circulant embedding of a zero-padded convolution ({@link SpectralBound#conv2d}). */
        CONV_GRAM("Gram iteration, circulant embedding"),
        /** Gram iteration on a dense weight matrix. */
        DENSE_GRAM("Gram iteration"),
        /** Schur's test on an average pooling's non-negative matrix. */
        SCHUR("Schur test"),
        /** A residual block: product of its branch's bounds plus the shortcut's. */
        BLOCK("branch product + shortcut");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        /** {@return the method's name in reports, e.g. "Gram iteration"} */
        public String label() {
            return label;
        }
    }

    /**
     * One layer's (or merged layers') bound.
     *
     * @param layer  the layer's name in the model, e.g. "0" or "0+1" for a Conv2d merged with its BatchNorm2d
     * @param value  the bound on its ℓ2 Lipschitz constant, ≥ the true constant
     * @param method how it was bounded
     */
    public record Factor(String layer, double value, Method method) {
    }

    /**
     * The factors in order and their product.
     *
     * @param factors the per-layer bounds, input to output
     * @param value   their product: a sound bound on the logits' ℓ2 Lipschitz constant
     */
    public record Bound(List<Factor> factors, double value) {
        /** What the value is, for reports. */
        public static final String DESCRIPTION = "product of sound per-layer bounds (Gram iteration for convolutions and dense layers, "
                + "Schur's test for average pooling, closed forms otherwise)";
    }

    /**
     * The bound for a model in evaluation mode on inputs of shape {@code input}.
     *
     * @param model a Sequential (or single layer) of the supported layers, in eval mode
     * @param input the input shape without the batch axis, e.g. [1, 28, 28]
     * @return the factors and their product
     * @throws IllegalArgumentException if the model is null or training, the shape is missing,
     *                                  or a layer has no bound (the message lists the supported layers)
     */
    public static Bound of(Module model, int[] input) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        if (model.isTraining()) throw new IllegalArgumentException("model is in training mode; call model.eval() so batch norm uses its running statistics");
        if (input == null || input.length == 0) throw new IllegalArgumentException("input shape must be given without the batch axis, e.g. [1, 28, 28]");
        int[] dims = new int[input.length + 1];
        dims[0] = 1;
        System.arraycopy(input, 0, dims, 1, input.length);
        Walker w = new Walker(model);
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
        private final Backend k;
        private final DType dtype;
        private final List<Factor> factors = new ArrayList<>();

        Walker(Module model) {
            Parameter any = model.parameters().values().stream().findFirst().orElse(null);
            this.k = any == null ? Backends.reference() : any.backend();
            this.dtype = any == null ? DType.FLOAT64 : any.dtype();
        }

        Shape layers(List<Module> layers, Shape in) {
            Shape shape = in;
            for (int i = 0; i < layers.size(); i++) {
                Module m = layers.get(i);
                if (m instanceof Conv2d c && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm2d bn) {
                    factors.add(new Factor(c.describe() + " + " + bn.describe(), convBn(c, bn, shape), Method.CONV_GRAM));
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
                case Conv2d c -> new Factor(name, SpectralBound.conv2d(c.weight().value(), c.spec(), in, null), Method.CONV_GRAM);
                case Linear l -> new Factor(name, SpectralBound.linear(l.weight().value()), Method.DENSE_GRAM);
                case BatchNorm2d bn -> exact(name, maxAbs(bnScale(bn)));
                case Activation a -> exact(name, slope(a));
                case MaxPool2d p -> exact(name, Math.sqrt(overlap(p.spec())));
                case AvgPool2d p -> new Factor(name, SpectralBound.avgPool2d(p.spec(), in), Method.SCHUR);
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
            Shape mid = b.conv1().spec().outputShape(in, b.conv1().weight().shape());
            double branch = convBn(b.conv1(), b.bn1(), in) * convBn(b.conv2(), b.bn2(), mid);
            return new Factor(b.describe(), branch + shortcut(b.shortcutConv(), b.shortcutBn(), in), Method.BLOCK);
        }

        /** Three convolutions (1x1, grouped 3x3 with the stride, 1x1) with batch norms and ReLUs, plus the shortcut. */
        private Factor bottleneck(BottleneckBlock b, Shape in) {
            Shape s1 = b.conv1().spec().outputShape(in, b.conv1().weight().shape());
            Shape s2 = b.conv2().spec().outputShape(s1, b.conv2().weight().shape());
            double branch = convBn(b.conv1(), b.bn1(), in) * convBn(b.conv2(), b.bn2(), s1) * convBn(b.conv3(), b.bn3(), s2);
            return new Factor(b.describe(), branch + shortcut(b.shortcutConv(), b.shortcutBn(), in), Method.BLOCK);
        }

        /** The projection shortcut's bound (1x1 conv with the block's stride, then batch norm), or 1 for the identity. */
        private double shortcut(Conv2d conv, BatchNorm2d bn, Shape in) {
            return conv == null ? 1 : convBn(conv, bn, in);
        }

        /** A convolution followed by an evaluation-mode batch norm, bounded as one operator. */
        private double convBn(Conv2d conv, BatchNorm2d bn, Shape in) {
            return SpectralBound.conv2d(conv.weight().value(), conv.spec(), in, bnScale(bn));
        }

        /** An evaluation-mode batch norm is x ↦ s⊙x + t per channel. */
        private Tensor bnScale(BatchNorm2d bn) {
            Tensor s = bn.evalScale();
            return s.dtype() == dtype ? s : k.cast(s, dtype);
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
            return new Factor(name, v, Method.CLOSED_FORM);
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
