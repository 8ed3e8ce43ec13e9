package dev.lipreg.nn;

import dev.lipreg.tensor.io.MemoryBudget;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Validates a {@link ModelSpec} layer by layer without allocating anything: every argument in its
 * range, each layer's input shape as the previous layer leaves it, a final output of width
 * {@code classes}, and sizes computed in {@code long} against the limits: at most
 * {@value #MAX_LAYERS} layers, and parameters plus the largest per-image activation (float32) within
 * the model budget (system property {@value #PROPERTY}, env {@value #ENV}; default 4 GiB).
 * So a spec that could not be built or run fails here, with the layer's index and type, before any
 * tensor exists.
 */
final class SpecCheck {
    static final int MAX_LAYERS = 1000;
    /** The most values a list argument (one per channel) may hold when read from JSON. */
    static final int MAX_LIST = 1 << 20;
    static final String PROPERTY = "lipreg.maxModelBytes";
    static final String ENV = "LIPREG_MAX_MODEL_BYTES";
    private static final MemoryBudget BUDGET = new MemoryBudget(PROPERTY, ENV, () -> 4L << 30);

    private long[] shape; // per image: [C,H,W] or [F]
    private long parameters;
    private long largest;
    private String where = "";

    private SpecCheck(int[] input) {
        shape = Arrays.stream(input).asLongStream().toArray();
        largest = elements(shape);
    }

    /** Throws IllegalArgumentException naming the first problem of the spec. */
    static void check(int[] input, int classes, List<LayerSpec> layers) {
        if (layers.size() > MAX_LAYERS) {
            throw new IllegalArgumentException("model spec: " + layers.size() + " layers, more than the limit of " + MAX_LAYERS);
        }
        SpecCheck c = new SpecCheck(input);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            c.where = "model spec: layer " + i + " (" + l.type() + "): ";
            try {
                c.apply(l);
            } catch (IllegalArgumentException e) {
                if (e.getMessage().startsWith("model spec: ")) throw e;
                // LayerSpec's own argument checks, which name the type already
                throw new IllegalArgumentException(c.where + e.getMessage().replaceFirst("^layer '[a-z_0-9]+': ", ""), e);
            }
            long out = elements(c.shape);
            if (sat(out, 4) > budget()) {
                throw c.fail("outputs " + show(c.shape) + " per image, " + out + " values = " + human(sat(out, 4))
                        + " as float32, over the model budget of " + human(budget()) + "; " + BUDGET.howToRaise());
            }
            c.largest = Math.max(c.largest, out);
        }
        c.where = "model spec: ";
        if (c.shape.length != 1 || c.shape[0] != classes) {
            throw c.fail("the last layer outputs " + show(c.shape) + " per image, expected [" + classes + "] (one score per class"
                    + (c.shape.length == 1 ? ")" : "; end with flatten and a linear layer)"));
        }
        if (c.parameters == 0) {
            throw c.fail("no layer has parameters (conv2d, linear, batchnorm2d, residual, bottleneck): there is nothing to train or load");
        }
        long budget = budget();
        long bytes = sat(Math.addExact(c.parameters, c.largest), 4);
        if (bytes > budget) {
            throw c.fail(String.format(Locale.ROOT, "%d parameters and a largest activation of %d values per image need %s as float32, over "
                    + "the model budget of %s; %s", c.parameters, c.largest, human(bytes), human(budget), BUDGET.howToRaise()));
        }
    }

    private void apply(LayerSpec l) {
        switch (l.type()) {
            case "conv2d" -> {
                int k = l.optInt("kernel", 0);
                if (!l.args().containsKey("kernel") && !(l.args().containsKey("kernel_h") && l.args().containsKey("kernel_w"))) {
                    throw fail("'kernel' (or kernel_h and kernel_w) is required");
                }
                long kh = positive("kernel_h", l.optInt("kernel_h", k)), kw = positive("kernel_w", l.optInt("kernel_w", k));
                long in = positive("in", l.reqInt("in")), out = positive("out", l.reqInt("out"));
                long groups = positive("groups", l.optInt("groups", 1));
                long stride = positive("stride", l.optInt("stride", 1)), dil = positive("dilation", l.optInt("dilation", 1));
                long pad = nonNegative("padding", l.optInt("padding", 0));
                divisible(in, out, groups, "groups");
                image(in);
                long oh = (shape[1] + 2 * pad - dil * (kh - 1) - 1), ow = (shape[2] + 2 * pad - dil * (kw - 1) - 1);
                if (oh < 0 || ow < 0) {
                    throw fail("kernel " + kh + "x" + kw + " (dilation " + dil + ", padding " + pad + ") is larger than its input "
                            + show(shape));
                }
                addParameters(out * (in / groups) * kh * kw + (l.optInt("bias", 1) != 0 ? out : 0));
                shape = new long[]{out, oh / stride + 1, ow / stride + 1};
            }
            case "linear" -> {
                long in = positive("in", l.reqInt("in")), out = positive("out", l.reqInt("out"));
                if (shape.length != 1) throw fail("takes a flat input [" + in + "], got " + show(shape) + "; put a flatten layer before it");
                if (shape[0] != in) throw fail("'in' is " + in + " but the previous layer outputs " + shape[0] + " features");
                addParameters(sat(in, out) + (l.optInt("bias", 1) != 0 ? out : 0));
                shape = new long[]{out};
            }
            case "relu", "softplus", "tanh", "sigmoid" -> { }
            case "leaky_relu" -> finite("slope", l.optDouble("slope", 0.01));
            case "elu" -> finite("alpha", l.optDouble("alpha", 1.0));
            case "maxpool2d", "avgpool2d" -> {
                long k = positive("kernel", l.reqInt("kernel"));
                long stride = positive("stride", l.optInt("stride", (int) k));
                long pad = nonNegative("padding", l.optInt("padding", 0));
                if (2 * pad > k) throw fail("'padding' " + pad + " exceeds half the kernel " + k);
                image(shape.length == 3 ? shape[0] : -1);
                long oh = shape[1] + 2 * pad - k, ow = shape[2] + 2 * pad - k;
                if (oh < 0 || ow < 0) throw fail("window " + k + "x" + k + " (padding " + pad + ") is larger than its input " + show(shape));
                shape = new long[]{shape[0], oh / stride + 1, ow / stride + 1};
            }
            case "adaptive_avgpool2d" -> {
                image(shape.length == 3 ? shape[0] : -1);
                shape = new long[]{shape[0], 1, 1};
            }
            case "flatten" -> shape = new long[]{elements(shape)};
            case "batchnorm2d" -> {
                long c = positive("channels", l.reqInt("channels"));
                image(c);
                double eps = l.optDouble("eps", 1e-5), momentum = l.optDouble("momentum", 0.1);
                if (!(eps > 0) || Double.isInfinite(eps)) throw fail("'eps' must be a finite number > 0, got " + eps);
                if (!(momentum >= 0 && momentum <= 1)) throw fail("'momentum' must be in [0, 1], got " + momentum);
                addParameters(2 * c);
            }
            case "normalize" -> normalize(l);
            case "dropout" -> {
                double p = l.optDouble("p", 0.5);
                if (!(p >= 0 && p < 1)) throw fail("'p' must be in [0, 1), got " + p);
            }
            case "residual" -> {
                long in = positive("in", l.reqInt("in")), out = positive("out", l.reqInt("out"));
                long stride = positive("stride", l.optInt("stride", 1)), groups = positive("groups", l.optInt("groups", 1));
                divisible(in, out, groups, "groups");
                image(in);
                long p = sat(9, sat(in / groups, out)) + sat(9, sat(out / groups, out)) + 4 * out;
                if (stride != 1 || in != out) p += sat(in, out) + 2 * out;
                addParameters(p);
                shape = new long[]{out, (shape[1] - 1) / stride + 1, (shape[2] - 1) / stride + 1};
            }
            case "bottleneck" -> {
                long in = positive("in", l.reqInt("in")), out = positive("out", l.reqInt("out"));
                long card = positive("cardinality", l.optInt("cardinality", 1)), width = positive("width", l.reqInt("width"));
                long stride = positive("stride", l.optInt("stride", 1));
                image(in);
                long inner = sat(card, width);
                long p = sat(in, inner) + sat(9, sat(width, inner)) + sat(inner, out) + 4 * inner + 2 * out;
                if (stride != 1 || in != out) p += sat(in, out) + 2 * out;
                addParameters(p);
                shape = new long[]{out, (shape[1] - 1) / stride + 1, (shape[2] - 1) / stride + 1};
            }
            default -> throw new IllegalStateException("unhandled layer type " + l.type());
        }
    }

    /** Per-channel mean and std: one of each per channel (axis 1 of the batch), finite, std > 0. */
    private void normalize(LayerSpec l) {
        List<Double> mean = l.reqList("mean"), std = l.reqList("std");
        long channels = shape[0];
        for (var e : List.of(java.util.Map.entry("mean", mean), java.util.Map.entry("std", std))) {
            if (e.getValue().size() != channels) {
                throw fail("'" + e.getKey() + "' has " + e.getValue().size() + " values but the input " + show(shape) + " has " + channels
                        + (shape.length == 3 ? " channels" : " features") + "; give one per channel");
            }
        }
        for (int c = 0; c < channels; c++) {
            finite("mean", mean.get(c));
            if (!(std.get(c) > 0) || Double.isInfinite(std.get(c))) throw fail("'std' must be finite and > 0, got " + std.get(c) + " for channel " + c);
        }
    }

    /** The input must be an image [C,H,W], with {@code channels} channels unless that is -1. */
    private void image(long channels) {
        if (shape.length != 3) throw fail("takes an image [C,H,W], got the flat " + show(shape) + " of an earlier flatten or linear layer");
        if (channels >= 0 && shape[0] != channels) {
            throw fail("expects " + channels + " input channels but the previous layer outputs " + shape[0] + " (" + show(shape) + ")");
        }
    }

    private void divisible(long in, long out, long groups, String name) {
        if (in % groups != 0 || out % groups != 0) throw fail("channels " + in + " -> " + out + " not divisible by " + name + " " + groups);
    }

    private long positive(String name, int v) {
        if (v < 1) throw fail("'" + name + "' must be >= 1, got " + v);
        return v;
    }

    private long nonNegative(String name, int v) {
        if (v < 0) throw fail("'" + name + "' must be >= 0, got " + v);
        return v;
    }

    private void finite(String name, double v) {
        if (!Double.isFinite(v)) throw fail("'" + name + "' must be a finite number, got " + v);
    }

    private void addParameters(long p) {
        parameters = Math.min(Long.MAX_VALUE / 8, parameters + Math.min(p, Long.MAX_VALUE / 8));
    }

    private IllegalArgumentException fail(String problem) {
        return new IllegalArgumentException(where + problem);
    }

    /** a * b, saturating at Long.MAX_VALUE / 8 (far over any budget, and safe to add a few of). */
    private static long sat(long a, long b) {
        try {
            return Math.min(Math.multiplyExact(a, b), Long.MAX_VALUE / 8);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 8;
        }
    }

    private static long elements(long[] s) {
        long n = 1;
        for (long d : s) n = sat(n, d);
        return n;
    }

    private static String show(long[] s) {
        return Arrays.toString(s);
    }

    static long budget() {
        return BUDGET.bytes();
    }

    private static String human(long bytes) {
        return MemoryBudget.human(bytes);
    }
}
