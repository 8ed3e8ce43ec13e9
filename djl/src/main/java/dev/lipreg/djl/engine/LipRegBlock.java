package dev.lipreg.djl.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractSymbolBlock;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A loaded LipReg model (or imported ONNX model) as a DJL block: images [N, C, H, W] (float, any engine's
 * arrays) to logits [N, K], computed by LipReg in evaluation mode. It cannot be
 * trained through DJL.
 */
final class LipRegBlock extends AbstractSymbolBlock {
    private final Signature spec;
    private final ModelThread model;

    LipRegBlock(Signature spec, ModelThread model) {
        this.spec = spec;
        this.model = model;
        inputNames = List.of("images");
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        if (training) throw new UnsupportedOperationException("the LipReg engine runs trained LipReg models in inference mode only; train with LipReg");
        if (inputs.size() != 1) throw new IllegalArgumentException("a LipReg model takes one input (images [N, C, H, W]), got " + inputs.size());
        NDArray x = inputs.singletonOrThrow();
        long[] s = x.getShape().getShape();
        int[] chw = spec.chw();
        if (s.length != 4 || s[1] != chw[0] || s[2] != chw[1] || s[3] != chw[2]) {
            throw new IllegalArgumentException("model '" + spec.name() + "' takes images [N, " + chw[0] + ", " + chw[1] + ", " + chw[2]
                    + "], got " + x.getShape() + " (batch single images with a Batchifier)");
        }
        float[] pixels = (x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false)).toFloatArray();
        int n = Math.toIntExact(s[0]);
        float[] logits = model.call(module -> {
            Tensor images = Tensor.of(model.backend(), pixels, n, chw[0], chw[1], chw[2]);
            try (GradMode.Restore off = GradMode.disabled()) {
                return module.forward(Variable.constant(images)).value().toFloatArray();
            }
        });
        return new NDList(x.getManager().create(logits, new Shape(n, spec.classes())));
    }

    /** Always: the LipReg model is loaded before the block exists. */
    @Override
    public boolean isInitialized() {
        return true;
    }

    /** None: the weights stay in LipReg. */
    @Override
    public ParameterList getDirectParameters() {
        return new ParameterList();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{new Shape(inputShapes[0].get(0), spec.classes())};
    }

    @Override
    public String toString() {
        return "LipRegBlock(" + spec.name() + ", input " + Arrays.toString(spec.chw()) + ", " + spec.classes() + " classes)";
    }
}
