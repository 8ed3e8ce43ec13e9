package dev.lipreg.nn;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON model specs: round trips, clear errors for bad specs, and PyTorch-compatible state names. */
class ModelSpecTest {

    static Stream<String> presets() {
        return Presets.NAMES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void presetRoundTripsThroughJson(String name) {
        for (int[] input : List.of(new int[]{1, 28, 28}, new int[]{3, 32, 32})) {
            ModelSpec spec = Presets.spec(name, input, 10);
            String json = spec.toJson();
            ModelSpec back = ModelSpec.parse(json);
            assertEquals(spec, back, json);
            assertEquals(json, back.toJson());
            assertEquals(spec.hashCode(), back.hashCode());
        }
    }

    @Test
    void realArgumentsAndFlagsRoundTrip() {
        ModelSpec spec = new ModelSpec("custom", new int[]{1, 4, 4}, 3, List.of(
                LayerSpec.of("conv2d", "in", 1, "out", 2, "kernel", 3, "padding", 1, "bias", 0),
                LayerSpec.of("batchnorm2d", "channels", 2, "eps", 1e-3, "momentum", 0.2),
                LayerSpec.of("leaky_relu", "slope", 0.125),
                LayerSpec.of("dropout", "p", 0.25, "seed", 1L << 40),
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", 32, "out", 3)));
        assertEquals(spec, ModelSpec.parse(spec.toJson()));
        // booleans are accepted for flags
        ModelSpec parsed = ModelSpec.parse("""
                {"input": [1, 2, 2], "classes": 2, "layers": [{"type": "flatten"}, {"type": "linear", "in": 4, "out": 2, "bias": false}]}""");
        assertEquals("model", parsed.name());
        try (Scope s = Scope.open()) {
            Sequential m = parsed.build(new Init(Backends.reference(), 1));
            assertEquals(List.of("1.weight"), List.copyOf(m.stateDict().keySet()));
        }
    }

    @Test
    void normalizeListsRoundTripAndBuildTheLayer() {
        ModelSpec spec = new ModelSpec("cifar-like", new int[]{3, 2, 2}, 2, List.of(
                LayerSpec.of("normalize", "mean", new double[]{0.4914, 0.4822, 0.4465}, "std", List.of(0.247, 0.243, 0.261)),
                LayerSpec.of("flatten"),
                LayerSpec.of("linear", "in", 12, "out", 2)));
        String json = spec.toJson();
        assertTrue(json.contains("\"mean\" : [ 0.4914, 0.4822, 0.4465 ]"), json);
        ModelSpec back = ModelSpec.parse(json);
        assertEquals(spec, back);
        assertEquals(json, back.toJson());
        try (Scope s = Scope.open()) {
            Sequential m = back.build(new Init(Backends.reference(), 1));
            Normalize n = (Normalize) m.layers().getFirst();
            assertEquals(List.of(0.4914, 0.4822, 0.4465), java.util.Arrays.stream(n.mean()).boxed().toList());
            assertEquals(1 / 0.243, n.lipschitz());
            assertEquals(n.spec(), spec.layers().getFirst());
            // stateless: the linear layer keeps its index-based name, nothing is stored for the normalization
            assertEquals(List.of("2.weight", "2.bias"), List.copyOf(m.stateDict().keySet()));
        }
        // the two-argument constructor still makes list-free layers
        assertEquals(Map.of(), new LayerSpec("relu", Map.of()).lists());
    }

    private static String errorOf(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            ModelSpec spec = ModelSpec.parse(json);
            try (Scope s = Scope.open()) {
                spec.build(new Init(Backends.reference(), 1));
            }
        });
        return e.getMessage();
    }

    private static final String OK_LAYERS = "[{\"type\": \"flatten\"}, {\"type\": \"linear\", \"in\": 4, \"out\": 2}]";

    @Test
    void malformedSpecsGiveClearMessages() {
        // the valid base everything below breaks in one place
        try (Scope s = Scope.open()) {
            ModelSpec.parse("{\"input\": [1,2,2], \"classes\": 2, \"layers\": " + OK_LAYERS + "}").build(new Init(Backends.reference(), 1));
        }

        String m;
        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"convolution\", \"in\": 1}]}");
        assertTrue(m.contains("unknown layer type 'convolution'") && m.contains("conv2d") && m.contains("layer 0"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"in\": 4, \"out\": 2, \"outs\": 3}]}");
        assertTrue(m.contains("unknown argument 'outs'") && m.contains("layer 1") && m.contains("[bias, in, out]"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"in\": 4}]}");
        assertTrue(m.contains("argument 'out' is required") && m.contains("layer 1"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"conv2d\", \"in\": 1, \"out\": 2}]}");
        assertTrue(m.contains("'kernel'") && m.contains("required"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"in\": 4.5, \"out\": 2}]}");
        assertTrue(m.contains("'in' must be an integer") && m.contains("4.5"), m);

        m = errorOf("{\"input\": [1,2.5,2], \"classes\": 2, \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("input[1]") && m.contains("must be an integer"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": \"ten\", \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("'classes' must be an integer"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"linear\", \"in\": \"four\", \"out\": 2}]}");
        assertTrue(m.contains("argument 'in' must be a number"), m);

        m = errorOf("{\"input\": [2,2], \"classes\": 2, \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("'input' must be [channels, height, width]") && m.contains("[2, 2]"), m);

        m = errorOf("{\"input\": [1,0,2], \"classes\": 2, \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("'input' must be [channels, height, width] of positive sizes"), m);

        m = errorOf("{\"input\": 28, \"classes\": 2, \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("'input' must be an array"), m);

        m = errorOf("{\"input\": [1,2,2], \"layers\": " + OK_LAYERS + "}");
        assertTrue(m.contains("'classes' is required"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": []}");
        assertTrue(m.contains("at least one layer"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layer\": " + OK_LAYERS + "}");
        assertTrue(m.contains("unknown field 'layer'"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [\"relu\"]}");
        assertTrue(m.contains("layer 0 must be an object with a 'type'"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [");
        assertTrue(m.startsWith("model spec is not valid JSON"), m);

        m = errorOf("layers: - conv2d");
        assertTrue(m.startsWith("model spec is not valid JSON") || m.contains("must be a JSON object"), m);

        m = errorOf("[1, 2]");
        assertTrue(m.contains("must be a JSON object"), m);

        m = errorOf("{\"input\": [1,2,2], \"classes\": 2, \"layers\": [{\"type\": \"conv2d\", \"in\": 3, \"out\": 4, \"kernel\": 3, \"groups\": 2}]}");
        assertTrue(m.contains("not divisible by groups 2") && m.contains("layer 0"), m);
    }

    // ----------------------------------------------------------------- ResNeXt-34 2x32

    /**
     * Parameters of ResNeXt-34 2x32 (basic blocks of two grouped 3x3 convolutions, cardinality
     * 2, stages of 3, 4, 6, 3 blocks at 64, 128, 256, 512 channels, 1x1 projection shortcuts
     * where the shape changes, BN with weight and bias, bias-free convolutions), by formula.
     */
    static long resnext34Parameters(int inChannels, int classes) {
        int g = 2;
        long n = 64L * inChannels * 9 + 2 * 64;                    // stem conv 3x3 + BN
        int[] blocks = {3, 4, 6, 3};
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int c = 64 << stage;
            // first block: conv in→c, then blocks−1 blocks c→c; each block has two grouped 3x3 convs + 2 BNs
            n += (long) c * (in / g) * 9 + (long) c * (c / g) * 9 + 4L * c;
            if (stage > 0) n += (long) c * in + 2L * c;             // projection shortcut of the first block (stride 2)
            n += (blocks[stage] - 1) * ((long) 2 * c * (c / g) * 9 + 4L * c);
            in = c;
        }
        return n + 512L * classes + classes;                        // classifier
    }

    @Test
    void resnext34HasTheExpectedSizeAndPyTorchNames() {
        ModelSpec spec = Presets.spec("resnext34-2x32", new int[]{3, 32, 32}, 10);
        assertEquals(10_739_018L, resnext34Parameters(3, 10)); // the formula, evaluated by hand once
        try (Scope s = Scope.open()) {
            Sequential m = spec.build(new Init(Backends.reference(), 1));
            assertEquals(resnext34Parameters(3, 10), m.parameterCount());
            Map<String, Tensor> state = m.stateDict();
            // stem
            assertShape(state, "0.weight", 64, 3, 3, 3);
            assertFalse(state.containsKey("0.bias"));
            List<String> bnKeys = List.of("1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked");
            assertEquals(bnKeys, List.copyOf(state.keySet()).subList(1, 6), "BatchNorm2d order: parameters, then buffers");
            assertEquals(DType.INT64, state.get("1.num_batches_tracked").dtype());
            assertEquals(Shape.scalar(), state.get("1.num_batches_tracked").shape());
            // first block (3): 64→64 stride 1, no shortcut; PyTorch order conv1, bn1, conv2, bn2
            assertShape(state, "3.conv1.weight", 64, 32, 3, 3);
            assertShape(state, "3.bn1.running_mean", 64);
            assertShape(state, "3.conv2.weight", 64, 32, 3, 3);
            assertShape(state, "3.bn2.running_var", 64);
            assertFalse(state.keySet().stream().anyMatch(k -> k.startsWith("3.shortcut.")), "identity shortcut has no state");
            List<String> block3 = state.keySet().stream().filter(k -> k.startsWith("3.")).toList();
            assertEquals(List.of("3.conv1.weight", "3.bn1.weight", "3.bn1.bias", "3.bn1.running_mean", "3.bn1.running_var",
                    "3.bn1.num_batches_tracked", "3.conv2.weight", "3.bn2.weight", "3.bn2.bias", "3.bn2.running_mean",
                    "3.bn2.running_var", "3.bn2.num_batches_tracked"), block3);
            // first block of each later stage: 3 + 3 = 6, 6 + 4 = 10, 10 + 6 = 16, with a projection shortcut
            int[] firsts = {6, 10, 16};
            for (int i = 0; i < 3; i++) {
                int c = 128 << i, b = firsts[i];
                assertShape(state, b + ".conv1.weight", c, c / 4, 3, 3);   // in = c/2, groups 2
                assertShape(state, b + ".shortcut.0.weight", c, c / 2, 1, 1);
                assertShape(state, b + ".shortcut.1.running_mean", c);
                assertTrue(state.containsKey(b + ".shortcut.1.num_batches_tracked"));
                assertFalse(state.containsKey((b + 1) + ".shortcut.0.weight"));
            }
            assertShape(state, "18.conv2.weight", 512, 256, 3, 3);
            assertShape(state, "21.weight", 10, 512);
            assertShape(state, "21.bias", 10);
            assertEquals("21.bias", new ArrayList<>(state.keySet()).getLast());
            // every parameter is in the state dict under the same name
            assertTrue(state.keySet().containsAll(m.parameters().keySet()));
            assertEquals(state.size(), m.parameters().size() + m.buffers().size());
        }
    }

    private static void assertShape(Map<String, Tensor> state, String key, int... dims) {
        assertTrue(state.containsKey(key), "missing " + key);
        assertEquals(Shape.of(dims), state.get(key).shape(), key);
    }

    @Test
    void unknownPresetNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Presets.spec("resnet50", new int[]{3, 32, 32}, 10));
        assertTrue(e.getMessage().contains("unknown model preset 'resnet50'") && e.getMessage().contains("fashion-cnn"), e.getMessage());
    }
}
