package dev.lipreg.tribuo;

import dev.lipreg.nn.LayerSpec;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a LipReg model as ONNX nodes: the feature scaling (Sub, Mul, Clip to
 * [0,1]), each layer of the network (Gemm for linear layers, the activations;
 * flatten and dropout are identities at inference on [N, F] inputs), then a
 * Softmax, so the graph's output equals the Tribuo model's scores.
 */
final class OnnxGraph {
    private OnnxGraph() {
    }

    static ONNXNode write(ONNXRef<?> input, FeatureScaling scaling, NetworkState network) {
        ONNXContext c = input.onnxContext();
        int f = scaling.features();
        float[] min = new float[f], scale = new float[f];
        for (int j = 0; j < f; j++) {
            min[j] = (float) scaling.min()[j];
            scale[j] = (float) scaling.scale(j);
        }
        ONNXInitializer lo = c.array("feature_min", min);
        ONNXInitializer mul = c.array("feature_scale", scale);
        ONNXNode x = input.apply(ONNXOperators.SUB, lo).apply(ONNXOperators.MUL, mul)
                .apply(OnnxActivations.CLIP, List.of(c.constant("zero", 0f), c.constant("one", 1f)));
        List<LayerSpec> layers = network.spec().layers();
        for (int i = 0; i < layers.size(); i++) x = layer(c, x, layers.get(i), i, network);
        return x.apply(ONNXOperators.SOFTMAX, Map.of("axis", 1));
    }

    private static ONNXNode layer(ONNXContext c, ONNXNode x, LayerSpec layer, int index, NetworkState network) {
        return switch (layer.type()) {
            case "flatten", "dropout" -> x;
            case "linear" -> {
                String w = index + ".weight", b = index + ".bias";
                int[] shape = network.shapes().get(w);
                List<org.tribuo.util.onnx.ONNXRef<?>> operands = new ArrayList<>();
                operands.add(c.floatTensor("layer" + index + "_weight", List.of(shape[0], shape[1]), fb -> fb.put(network.values(w))));
                if (network.shapes().containsKey(b)) {
                    operands.add(c.floatTensor("layer" + index + "_bias", List.of(shape[0]), fb -> fb.put(network.values(b))));
                }
                // PyTorch's weight is [out, in]: y = x·Wᵀ + b
                yield x.apply(ONNXOperators.GEMM, operands, List.of("layer" + index + "_gemm"), Map.of("transB", 1)).get(0);
            }
            case "relu" -> x.apply(OnnxActivations.RELU);
            case "tanh" -> x.apply(OnnxActivations.TANH);
            case "softplus" -> x.apply(OnnxActivations.SOFTPLUS);
            case "sigmoid" -> x.apply(ONNXOperators.SIGMOID);
            case "leaky_relu" -> x.apply(OnnxActivations.LEAKY_RELU, Map.of("alpha", number(layer, "slope", 0.01)));
            case "elu" -> x.apply(OnnxActivations.ELU, Map.of("alpha", number(layer, "alpha", 1.0)));
            default -> throw new IllegalStateException("ONNX export handles linear, activation, flatten and dropout layers; layer "
                    + index + " is " + layer.type());
        };
    }

    private static float number(LayerSpec layer, String name, double dflt) {
        Number n = layer.args().get(name);
        return (float) (n == null ? dflt : n.doubleValue());
    }
}
