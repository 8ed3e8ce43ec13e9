package dev.lipreg.tribuo;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

import java.util.Map;
import java.util.Set;

/** The ONNX opset-13 operators an exported LipReg MLP needs that Tribuo's {@link ONNXOperators} lacks. */
enum OnnxActivations implements ONNXOperator {
    RELU("Relu", 0, null),
    TANH("Tanh", 0, null),
    SOFTPLUS("Softplus", 0, null),
    LEAKY_RELU("LeakyRelu", 0, "alpha"),
    ELU("Elu", 0, "alpha"),
    /** Clip(x, min, max): min and max are optional inputs since opset 11. */
    CLIP("Clip", 2, null);

    private final String opName;
    private final int optionalInputs;
    private final Map<String, ONNXAttribute> attributes;

    OnnxActivations(String opName, int optionalInputs, String floatAttribute) {
        this.opName = opName;
        this.optionalInputs = optionalInputs;
        this.attributes = floatAttribute == null ? Map.of()
                : Map.of(floatAttribute, new ONNXAttribute(floatAttribute, OnnxMl.AttributeProto.AttributeType.FLOAT, false));
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return 1;
    }

    @Override
    public int getNumOptionalInputs() {
        return optionalInputs;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return Set.of();
    }

    @Override
    public int getOpVersion() {
        return ONNXOperators.getOpsetVersion();
    }

    @Override
    public String getOpDomain() {
        return null; // the default ai.onnx domain, imported by ONNXExportable.buildModel
    }
}
