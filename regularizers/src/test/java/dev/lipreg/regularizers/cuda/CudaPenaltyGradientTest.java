package dev.lipreg.regularizers.cuda;

import dev.lipreg.bindings.Cuda;
import dev.lipreg.bindings.CudaInfo;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.nn.Presets;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.StepValues;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.cuda.CudaBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Second order on the GPU: the parameter gradient of the penalty objective
 * CE + 0.1·max‖∇ₓℓ‖₂ + 0.01·mean‖∇ₓℓ‖₁ (double backprop through conv, pooling, ReLU, batch
 * norm and residual blocks) computed on the cuda backend equals the reference backend's, both
 * in float32, within float32 accumulation error. GPU only.
 */
@Tag("gpu")
class CudaPenaltyGradientTest {
    private static final Logger LOG = LoggerFactory.getLogger(CudaPenaltyGradientTest.class);
    /** |cuda - ref| <= TOL · max|ref| per parameter tensor. */
    static final double TOL = 2e-3;

    @BeforeAll
    static void requireGpu() {
        CudaInfo info = Cuda.probe();
        if (!info.available()) LOG.warn("skipping gpu tests: {}", info.reason());
        Assumptions.assumeTrue(info.available(), () -> "no usable GPU: " + info.reason());
    }

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("fashion-cnn", new int[]{1, 12, 12}, 8), Arguments.of("resnet-small", new int[]{3, 8, 8}, 4));
    }

    /** The objective's value and every parameter gradient, on {@code backend}. */
    static Map<String, float[]> gradients(Backend backend, String preset, int[] input, int n) {
        Module model = Presets.spec(preset, input, 10).build(new Init(backend, 7));
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[n * input[0] * input[1] * input[2]];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = r.nextInt(10);
        StepValues v = RobustObjective.paper(0.1, 0.01, Norm.LINF)
                .evaluate(model, backend.fromArray(x, Shape.of(n, input[0], input[1], input[2])), Tensor.ofLabels(backend, y));
        v.total().backward();
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("(objective)", new float[]{(float) v.total().item()});
        for (Map.Entry<String, Parameter> p : model.parameters().entrySet()) out.put(p.getKey(), p.getValue().grad().toFloatArray());
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void penaltyGradientsMatchTheReference(String preset, int[] input, int n) {
        try (Scope s = Scope.open()) {
            Map<String, float[]> ref = gradients(Backends.reference(), preset, input, n);
            Map<String, float[]> gpu = gradients(CudaBackend.instance(), preset, input, n);
            assertEquals(ref.keySet(), gpu.keySet());
            for (String name : ref.keySet()) {
                float[] e = ref.get(name), g = gpu.get(name);
                double scale = 0;
                for (float f : e) scale = Math.max(scale, Math.abs(f));
                for (int i = 0; i < e.length; i++) {
                    double diff = Math.abs(e[i] - g[i]);
                    assertTrue(diff <= TOL * scale + 1e-7, preset + " " + name + "[" + i + "]: reference " + e[i] + ", cuda " + g[i]
                            + " (scale " + scale + ")");
                }
            }
        }
    }
}
