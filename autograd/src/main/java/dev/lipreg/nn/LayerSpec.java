package dev.lipreg.nn;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Pool2dSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One layer of a {@link ModelSpec}: a type, its integer/real arguments and its per-channel lists,
 * e.g. {"type": "conv2d", "in": 1, "out": 32, "kernel": 3, "padding": 1} or
 * {"type": "normalize", "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.243, 0.261]}.
 *
 * @param type  the layer type, one of {@link #types()}
 * @param args  the layer's number arguments (booleans are 0/1)
 * @param lists the layer's list arguments (only {@code normalize} has any: {@code mean}, {@code std})
 */
public record LayerSpec(String type, Map<String, Number> args, Map<String, List<Double>> lists) {

    /** Accepted arguments per type; anything else is rejected with the list. */
    private static final Map<String, Set<String>> ARGS = Map.ofEntries(
            Map.entry("conv2d", Set.of("in", "out", "kernel", "kernel_h", "kernel_w", "stride", "padding", "dilation", "groups", "bias")),
            Map.entry("linear", Set.of("in", "out", "bias")),
            Map.entry("relu", Set.of()),
            Map.entry("leaky_relu", Set.of("slope")),
            Map.entry("elu", Set.of("alpha")),
            Map.entry("softplus", Set.of()),
            Map.entry("tanh", Set.of()),
            Map.entry("sigmoid", Set.of()),
            Map.entry("maxpool2d", Set.of("kernel", "stride", "padding")),
            Map.entry("avgpool2d", Set.of("kernel", "stride", "padding", "count_include_pad")),
            Map.entry("adaptive_avgpool2d", Set.of()),
            Map.entry("flatten", Set.of()),
            Map.entry("batchnorm2d", Set.of("channels", "eps", "momentum")),
            Map.entry("dropout", Set.of("p", "seed")),
            Map.entry("residual", Set.of("in", "out", "stride", "groups")),
            Map.entry("bottleneck", Set.of("in", "out", "cardinality", "width", "stride")),
            Map.entry("normalize", Set.of()));

    /** Accepted list arguments per type (one value per channel). */
    private static final Map<String, Set<String>> LISTS = Map.of("normalize", Set.of("mean", "std"));

    /** Checks the type and the argument names; values are checked by {@link ModelSpec} (see {@code SpecCheck}). */
    public LayerSpec {
        if (type == null || !ARGS.containsKey(type)) {
            throw new IllegalArgumentException("unknown layer type '" + type + "', expected one of " + ARGS.keySet().stream().sorted().toList());
        }
        args = Map.copyOf(args);
        lists = lists == null ? Map.of() : lists;
        Set<String> listNames = LISTS.getOrDefault(type, Set.of());
        for (String k : args.keySet()) {
            if (listNames.contains(k)) {
                throw new IllegalArgumentException("layer '" + type + "': argument '" + k + "' must be a list of numbers, one per channel, e.g. ["
                        + args.get(k) + "]");
            }
            if (!ARGS.get(type).contains(k)) {
                throw new IllegalArgumentException("layer '" + type + "': unknown argument '" + k + "', expected some of "
                        + names(type));
            }
        }
        for (var e : lists.entrySet()) {
            if (ARGS.get(type).contains(e.getKey())) {
                throw new IllegalArgumentException("layer '" + type + "': argument '" + e.getKey() + "' must be a number, got a list");
            }
            if (!listNames.contains(e.getKey())) {
                throw new IllegalArgumentException("layer '" + type + "': unknown argument '" + e.getKey() + "', expected some of "
                        + names(type));
            }
            if (e.getValue() == null || e.getValue().stream().anyMatch(java.util.Objects::isNull)) throw new IllegalArgumentException("layer '" + type + "': list '" + e.getKey() + "' holds a null");
        }
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        lists.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        lists = Map.copyOf(copy);
    }

    /**
     * A layer with number arguments only (every type but {@code normalize}).
     *
     * @param type one of {@link #types()}
     * @param args the arguments
     */
    public LayerSpec(String type, Map<String, Number> args) {
        this(type, args, Map.of());
    }

    private static List<String> names(String type) {
        List<String> all = new ArrayList<>(ARGS.get(type));
        all.addAll(LISTS.getOrDefault(type, Set.of()));
        return all.stream().sorted().toList();
    }

    /**
     * A spec from alternating name, value pairs; a value is a {@link Number}, or for a list argument
     * a {@code double[]}, {@code float[]} or {@code List} of numbers.
     *
     * @param type       one of {@link #types()}
     * @param nameValues names and values, alternating
     * @return the spec
     */
    public static LayerSpec of(String type, Object... nameValues) {
        if (nameValues.length % 2 != 0) throw new IllegalArgumentException("layer '" + type + "': arguments must come in name, value pairs");
        Map<String, Number> a = new LinkedHashMap<>();
        Map<String, List<Double>> l = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            String name = (String) nameValues[i];
            switch (nameValues[i + 1]) {
                case Number n -> a.put(name, n);
                case double[] d -> l.put(name, Arrays.stream(d).boxed().toList());
                case float[] f -> {
                    List<Double> v = new ArrayList<>();
                    for (float x : f) v.add((double) x);
                    l.put(name, v);
                }
                case List<?> v -> l.put(name, v.stream().map(x -> ((Number) x).doubleValue()).toList());
                case null, default -> throw new IllegalArgumentException("layer '" + type + "': argument '" + name
                        + "' must be a number or a list of numbers, got " + nameValues[i + 1]);
            }
        }
        return new LayerSpec(type, a, l);
    }

    /** {@return the layer types a spec may use, sorted} */
    public static List<String> types() {
        return ARGS.keySet().stream().sorted().toList();
    }

    /**
     * Builds the layer, drawing its parameters from {@code init}.
     *
     * @param init draws the parameters
     * @return the layer
     */
    public Module build(Init init) {
        return switch (type) {
            case "conv2d" -> {
                int k = optInt("kernel", 0);
                int kh = optInt("kernel_h", k), kw = optInt("kernel_w", k);
                if (kh < 1 || kw < 1) throw new IllegalArgumentException("layer 'conv2d': 'kernel' (or kernel_h and kernel_w) is required");
                int pad = optInt("padding", 0), stride = optInt("stride", 1), dil = optInt("dilation", 1);
                yield new Conv2d(init, reqInt("in"), reqInt("out"), kh, kw,
                        new Conv2dSpec(stride, stride, pad, pad, dil, dil, optInt("groups", 1)), optInt("bias", 1) != 0);
            }
            case "linear" -> new Linear(init, reqInt("in"), reqInt("out"), optInt("bias", 1) != 0);
            case "relu" -> Activation.relu();
            case "leaky_relu" -> Activation.leakyRelu(optDouble("slope", 0.01));
            case "elu" -> Activation.elu(optDouble("alpha", 1.0));
            case "softplus" -> Activation.softplus();
            case "tanh" -> Activation.tanh();
            case "sigmoid" -> Activation.sigmoid();
            case "maxpool2d" -> new MaxPool2d(pool(true));
            case "avgpool2d" -> new AvgPool2d(pool(optInt("count_include_pad", 1) != 0));
            case "adaptive_avgpool2d" -> new AdaptiveAvgPool2d();
            case "flatten" -> new Flatten();
            case "batchnorm2d" -> new BatchNorm2d(init, reqInt("channels"), optDouble("eps", 1e-5), optDouble("momentum", 0.1));
            case "dropout" -> new Dropout(optDouble("p", 0.5), args.containsKey("seed") ? args.get("seed").longValue() : init.nextSeed());
            case "residual" -> new ResidualBlock(init, reqInt("in"), reqInt("out"), optInt("stride", 1), optInt("groups", 1));
            case "bottleneck" -> new BottleneckBlock(init, reqInt("in"), reqInt("out"), optInt("cardinality", 1),
                    reqInt("width"), optInt("stride", 1));
            case "normalize" -> Normalize.of(reqList("mean"), reqList("std"));
            default -> throw new IllegalStateException("unhandled layer type " + type);
        };
    }

    private Pool2dSpec pool(boolean countIncludePad) {
        int k = reqInt("kernel");
        int pad = optInt("padding", 0);
        return new Pool2dSpec(k, k, optInt("stride", k), optInt("stride", k), pad, pad, countIncludePad);
    }

    List<Double> reqList(String name) {
        List<Double> v = lists.get(name);
        if (v == null) throw new IllegalArgumentException("layer '" + type + "': argument '" + name + "' (a list, one value per channel) is required");
        return v;
    }

    int reqInt(String name) {
        if (!args.containsKey(name)) throw new IllegalArgumentException("layer '" + type + "': argument '" + name + "' is required");
        return optInt(name, 0);
    }

    /** An integer argument; a fraction or a value outside int's range is rejected (2^32+3 must not wrap to 3). */
    int optInt(String name, int dflt) {
        Number n = args.get(name);
        if (n == null) return dflt;
        double d = n.doubleValue();
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException("layer '" + type + "': argument '" + name + "' must be an integer, got " + n);
        }
        boolean fits = n instanceof java.math.BigInteger b ? b.bitLength() < 32 : d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE
                && (n instanceof Double || n instanceof Float || n.longValue() == n.intValue());
        if (!fits) {
            throw new IllegalArgumentException("layer '" + type + "': argument '" + name + "' is " + n + ", beyond the limit of "
                    + Integer.MAX_VALUE);
        }
        return n.intValue();
    }

    double optDouble(String name, double dflt) {
        Number n = args.get(name);
        return n == null ? dflt : n.doubleValue();
    }
}
