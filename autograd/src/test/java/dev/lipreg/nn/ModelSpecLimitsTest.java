package dev.lipreg.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The cases of issue 21: specs that ran out of memory, took minutes, overflowed int or failed with a
 * raw exception name are refused when parsed, before anything is allocated, with the layer named.
 */
class ModelSpecLimitsTest {
    private static String spec(String input, int classes, String... layers) {
        return "{\"input\": " + input + ", \"classes\": " + classes + ", \"layers\": [" + String.join(", ", layers) + "]}";
    }

    private static final String FLAT = "{\"type\": \"flatten\"}";

    static Stream<Arguments> refused() {
        return Stream.of(
                arguments("conv padding 1e6 (61 TiB of output)", spec("[1,28,28]", 10,
                                "{\"type\": \"conv2d\", \"in\": 1, \"out\": 16, \"kernel\": 3, \"padding\": 1000000}", FLAT,
                                "{\"type\": \"linear\", \"in\": 64000032000016, \"out\": 10}"),
                        "layer 0 (conv2d): outputs [16, 2000026, 2000026] per image, 64001664010816 values = 238424.8 GiB"),
                arguments("conv padding 1e6 then a valid-looking head", spec("[1,28,28]", 10,
                                "{\"type\": \"conv2d\", \"in\": 1, \"out\": 16, \"kernel\": 3, \"padding\": 1000000}",
                                "{\"type\": \"adaptive_avgpool2d\"}", FLAT, "{\"type\": \"linear\", \"in\": 16, \"out\": 10}"),
                        "layer 0 (conv2d): outputs [16, 2000026, 2000026] per image"),
                arguments("linear out 2^31-1", spec("[1,2,2]", 10, FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 2147483647}",
                                "{\"type\": \"linear\", \"in\": 2147483647, \"out\": 10}"),
                        "over the model budget of 4.0 GiB"),
                arguments("linear out 1e10", spec("[1,2,2]", 10, FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 1e10}"),
                        "layer 1 (linear): argument 'out' is 1.0E10, beyond the limit of 2147483647"),
                arguments("linear 2^20 x 2^20", spec("[1,1024,1024]", 10, FLAT, "{\"type\": \"linear\", \"in\": 1048576, \"out\": 1048576}",
                                "{\"type\": \"linear\", \"in\": 1048576, \"out\": 10}"),
                        "1099523162122 parameters and a largest activation of 1048576 values per image need 4096.0 GiB"),
                arguments("size 2^32+3 must not wrap to 3", spec("[1,2,2]", 3, FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 4294967299}"),
                        "argument 'out' is 4294967299, beyond the limit of 2147483647"),
                arguments("input 2^32+3", spec("[1,4294967299,2]", 3, FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 3}"),
                        "'input[1]' is 4294967299, beyond the limit of 2147483647"),
                arguments("parameter-free spec", spec("[1,2,5]", 10, FLAT),
                        "model spec: no layer has parameters (conv2d, linear, batchnorm2d, residual, bottleneck): there is nothing to train or load"),
                arguments("max-pool kernel larger than the input", spec("[1,4,4]", 2,
                                "{\"type\": \"maxpool2d\", \"kernel\": 8}", FLAT, "{\"type\": \"linear\", \"in\": 1, \"out\": 2}"),
                        "layer 0 (maxpool2d): window 8x8 (padding 0) is larger than its input [1, 4, 4]"),
                arguments("last width differs from classes", spec("[1,2,2]", 10, FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 7}"),
                        "the last layer outputs [7] per image, expected [10]"),
                arguments("image output", spec("[1,4,4]", 10, "{\"type\": \"conv2d\", \"in\": 1, \"out\": 10, \"kernel\": 1}"),
                        "the last layer outputs [10, 4, 4] per image, expected [10] (one score per class; end with flatten and a linear layer)"),
                arguments("linear on an image", spec("[1,2,2]", 2, "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 0 (linear): takes a flat input [4], got [1, 2, 2]; put a flatten layer before it"),
                arguments("linear in mismatch", spec("[1,2,2]", 2, FLAT, "{\"type\": \"linear\", \"in\": 5, \"out\": 2}"),
                        "layer 1 (linear): 'in' is 5 but the previous layer outputs 4 features"),
                arguments("conv channels mismatch", spec("[3,4,4]", 2, "{\"type\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 1}", FLAT,
                                "{\"type\": \"linear\", \"in\": 32, \"out\": 2}"),
                        "layer 0 (conv2d): expects 1 input channels but the previous layer outputs 3"),
                arguments("conv kernel larger than input", spec("[1,4,4]", 2, "{\"type\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 9}"),
                        "layer 0 (conv2d): kernel 9x9 (dilation 1, padding 0) is larger than its input [1, 4, 4]"),
                arguments("negative stride", spec("[1,4,4]", 2, "{\"type\": \"conv2d\", \"in\": 1, \"out\": 2, \"kernel\": 1, \"stride\": -1}"),
                        "layer 0 (conv2d): 'stride' must be >= 1, got -1"),
                arguments("pool on flat input", spec("[1,4,4]", 2, FLAT, "{\"type\": \"maxpool2d\", \"kernel\": 2}"),
                        "layer 1 (maxpool2d): takes an image [C,H,W], got the flat [16]"),
                arguments("batchnorm channels", spec("[2,2,2]", 2, "{\"type\": \"batchnorm2d\", \"channels\": 3}"),
                        "layer 0 (batchnorm2d): expects 3 input channels but the previous layer outputs 2"),
                arguments("batchnorm eps", spec("[2,2,2]", 8, "{\"type\": \"batchnorm2d\", \"channels\": 2, \"eps\": -1}", FLAT),
                        "'eps' must be a finite number > 0, got -1.0"),
                arguments("dropout p", spec("[1,2,2]", 4, "{\"type\": \"dropout\", \"p\": 1.5}", FLAT, "{\"type\": \"linear\", \"in\": 4, \"out\": 4}"),
                        "layer 0 (dropout): 'p' must be in [0, 1), got 1.5"),
                arguments("leaky slope NaN-like", spec("[1,2,2]", 4, "{\"type\": \"leaky_relu\", \"slope\": 1e400}", FLAT),
                        "'slope' must be a finite number"),
                arguments("normalize mean shorter than the channels", spec("[3,2,2]", 2,
                                "{\"type\": \"normalize\", \"mean\": [0.5, 0.5], \"std\": [0.2, 0.2, 0.2]}", FLAT, "{\"type\": \"linear\", \"in\": 12, \"out\": 2}"),
                        "layer 0 (normalize): 'mean' has 2 values but the input [3, 2, 2] has 3 channels; give one per channel"),
                arguments("normalize after flatten counts features", spec("[1,2,2]", 2, FLAT,
                                "{\"type\": \"normalize\", \"mean\": [0.5], \"std\": [0.2]}", "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 1 (normalize): 'mean' has 1 values but the input [4] has 4 features"),
                arguments("normalize std zero", spec("[2,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [0.5, 0.5], \"std\": [0.2, 0]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 8, \"out\": 2}"),
                        "layer 0 (normalize): 'std' must be finite and > 0, got 0.0 for channel 1"),
                arguments("normalize std negative", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [0.5], \"std\": [-1]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "'std' must be finite and > 0, got -1.0 for channel 0"),
                arguments("normalize std infinite", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [0.5], \"std\": [1e400]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "'std' must be finite and > 0, got Infinity"),
                arguments("normalize mean infinite", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [-1e400], \"std\": [1]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 0 (normalize): 'mean' must be a finite number, got -Infinity"),
                arguments("normalize std missing", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [0.5]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 0 (normalize): argument 'std' (a list, one value per channel) is required"),
                arguments("normalize mean as a number", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": 0.5, \"std\": [1]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 0: layer 'normalize': argument 'mean' must be a list of numbers, one per channel, e.g. [0.5]"),
                arguments("normalize list of strings", spec("[1,2,2]", 2, "{\"type\": \"normalize\", \"mean\": [\"a\"], \"std\": [1]}", FLAT,
                                "{\"type\": \"linear\", \"in\": 4, \"out\": 2}"),
                        "layer 0 list 'mean' must hold numbers, got \"a\""),
                arguments("a list for a number argument", spec("[1,2,2]", 2, FLAT, "{\"type\": \"linear\", \"in\": [4], \"out\": 2}"),
                        "layer 1: layer 'linear': argument 'in' must be a number, got a list"),
                arguments("residual channels", spec("[3,4,4]", 2, "{\"type\": \"residual\", \"in\": 4, \"out\": 4}"),
                        "layer 0 (residual): expects 4 input channels but the previous layer outputs 3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedWithTheLayerNamed(String name, String json, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("model spec"), e.getMessage());
    }

    @Test
    void oneHundredThousandLayersAreRefusedAtOnce() {
        // issue 21: this took 3 minutes before failing
        String layers = IntStream.range(0, 100_000).mapToObj(i -> "{\"type\": \"relu\"}").collect(Collectors.joining(","));
        String json = "{\"input\": [1,2,2], \"classes\": 2, \"layers\": [" + layers + "]}";
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(json)));
        assertEquals("model spec: 100000 layers, more than the limit of 1000", e.getMessage());
    }

    @Test
    void budgetCanBeRaised() {
        String json = spec("[1,1024,1024]", 10, FLAT, "{\"type\": \"linear\", \"in\": 1048576, \"out\": 1024}",
                "{\"type\": \"linear\", \"in\": 1024, \"out\": 10}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(json)).getMessage().contains("raise it with "
                + "-Dlipreg.maxModelBytes=BYTES or LIPREG_MAX_MODEL_BYTES=BYTES"));
        System.setProperty(SpecCheck.PROPERTY, "8g");
        try {
            assertEquals(3, ModelSpec.parse(json).layers().size()); // parsed only: nothing is allocated
        } finally {
            System.clearProperty(SpecCheck.PROPERTY);
        }
    }

    @Test
    void presetsPassTheirOwnChecks() {
        for (String p : Presets.NAMES) {
            assertEquals(10, Presets.spec(p, new int[]{3, 32, 32}, 10).classes());
        }
    }
}
