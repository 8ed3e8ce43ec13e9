package dev.lipreg.onnx;

import dev.lipreg.nn.Init;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Tensor;

import java.util.Map;

/**
 * An imported graph as a LipReg model spec plus its state dict (Sequential names: "0.weight", ...).
 *
 * @param spec  the layers, as a LipReg model spec
 * @param state the weights under the spec's state-dict names
 */
public record NativeModel(ModelSpec spec, Map<String, Tensor> state) {
    /** Copies the state map (unmodifiable). */
    public NativeModel {
        state = Map.copyOf(state);
    }

    /**
     * Builds the model in the current scope with the imported weights, in evaluation mode.
     *
     * @param backend the backend of the built model
     * @return the model
     */
    public Sequential build(Backend backend) {
        Sequential s = spec.build(new Init(backend, 0));
        s.loadStateDict(state);
        s.eval();
        return s;
    }
}
