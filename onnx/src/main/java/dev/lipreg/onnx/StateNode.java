package dev.lipreg.onnx;

import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Buffer;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Holds imported initializers under their dotted ONNX names ("layer1.0.conv1.weight"
 * becomes child "layer1", its child "0", ...), so {@link Module#parameters()} and
 * state dicts use the exporter's names, which for PyTorch are its state_dict keys.
 */
abstract class StateNode extends Module {
    private final Map<String, StateNode> groups = new HashMap<>();

    /** Registers under {@code name}; a name that cannot be a path is kept whole with '.' as '_'. */
    final Parameter addParameter(String name, Tensor value) {
        return (Parameter) add(name, value, true);
    }

    final Buffer addBuffer(String name, Tensor value) {
        return (Buffer) add(name, value, false);
    }

    private Object add(String name, Tensor value, boolean parameter) {
        String[] path = name.split("\\.", -1);
        boolean pathOk = path.length > 1;
        for (String seg : path) pathOk &= !seg.isEmpty();
        if (pathOk) {
            StateNode at = this;
            for (int i = 0; i < path.length - 1 && at != null; i++) at = at.group(path[i]);
            if (at != null && at.free(path[path.length - 1])) return at.own(path[path.length - 1], value, parameter);
        }
        String flat = name.isEmpty() ? "_" : name.replace('.', '_');
        while (!free(flat)) flat = flat + "_";
        return own(flat, value, parameter);
    }

    private boolean free(String name) {
        return !groups.containsKey(name) && !parameters().containsKey(name) && !buffers().containsKey(name);
    }

    /** The child group {@code name}, created on first use; null when the name is taken by a tensor. */
    private StateNode group(String name) {
        StateNode g = groups.get(name);
        if (g != null) return g;
        if (!free(name)) return null;
        g = registerModule(name, new Group());
        groups.put(name, g);
        return g;
    }

    private Object own(String name, Tensor value, boolean parameter) {
        return parameter ? registerParameter(name, value) : registerBuffer(name, value);
    }

    /** An intermediate name segment: holds state only, never runs. */
    static final class Group extends StateNode {
        @Override
        public Variable forward(Variable x) {
            throw new UnsupportedOperationException("a parameter group of an imported ONNX model is not a layer");
        }
    }
}
