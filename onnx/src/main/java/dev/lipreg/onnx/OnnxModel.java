package dev.lipreg.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Buffer;
import dev.lipreg.onnx.gen.OnnxProto.GraphProto;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.onnx.gen.OnnxProto.OperatorSetIdProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto;
import dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX classifier as a LipReg module. Its forward pass is built from autograd
 * ops, so input gradients, double backprop, penalties, attacks and certificates
 * work on it as on a native model. Float initializers become trainable parameters
 * under their ONNX names (running statistics of batch norms become buffers);
 * integer shape computations run on the host and are folded at load when they do
 * not depend on the input. The batch dimension is free. A final Softmax or
 * LogSoftmax is dropped so the module returns logits, as LipReg's losses expect.
 */
public final class OnnxModel extends StateNode {
    /** Opsets of the default domain this importer follows. */
    public static final int MIN_OPSET = 11, MAX_OPSET = 22;

    private final String name;
    private final Backend backend;
    private final int[] inputDims;
    private final String inputName;
    private final String outputName;
    private final String droppedOutputOp;
    private final Value[] constants;
    private final int inputSlot, outputSlot;
    private final List<Step> steps;
    private final ModelProto source;
    private final Map<String, dev.lipreg.tensor.Tensor> stateByInitializer = new LinkedHashMap<>();

    /** One node ready to run: its kernel and the env slots it reads and writes. */
    record Step(String where, NodeProto node, Kernel kernel, int[] in, int[] out) {
    }

    private OnnxModel(String name, ModelProto model, Backend backend, Path baseDir) {
        this.name = name;
        this.backend = backend;
        this.source = model;
        if (!model.hasGraph()) throw new OnnxException(name + ": no graph (not an ONNX model?)");
        GraphProto g = model.getGraph();
        int opset = opset(model);

        // ---- initializers: float → parameters (buffers for batch-norm statistics); integer → host constants
        Set<String> bnStats = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("BatchNormalization") && n.getInputCount() == 5) {
                bnStats.add(n.getInput(3));
                bnStats.add(n.getInput(4));
            }
        }
        Map<String, Integer> slots = new HashMap<>();
        List<Value> consts = new ArrayList<>();
        Map<String, Buffer> buffers = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            String init = t.getName();
            if (init.isEmpty()) throw new OnnxException(name + ": an initializer has no name");
            if (slots.containsKey(init)) throw new OnnxException(name + ": initializer '" + init + "' is defined twice");
            HostTensor h = HostTensor.decode(t, name + ": initializer '" + init + "'", baseDir);
            Value v;
            if (h.isFloat() && h.dims().length > 0) {
                checkNoNaN(h.floats(), name + ": initializer '" + init + "'");
                var tensor = backend.fromArray(h.floats(), Shape.of(h.dims()));
                if (bnStats.contains(init)) {
                    Buffer b = addBuffer(init, tensor);
                    buffers.put(init, b);
                    stateByInitializer.put(init, b.value());
                    v = Value.dense(Variable.constant(tensor));
                } else {
                    var p = addParameter(init, tensor);
                    stateByInitializer.put(init, p.value());
                    v = Value.dense(p);
                }
            } else {
                v = Value.host(h);
            }
            slots.put(init, consts.size());
            consts.add(v);
        }

        // ---- the one real input
        List<ValueInfoProto> inputs = g.getInputList().stream().filter(i -> !slots.containsKey(i.getName())).toList();
        if (inputs.size() != 1) {
            throw new OnnxException(name + ": expected one graph input (an image or feature batch), found " + inputs.size()
                    + " " + inputs.stream().map(ValueInfoProto::getName).toList());
        }
        ValueInfoProto input = inputs.getFirst();
        this.inputName = input.getName();
        this.inputDims = inputDims(input);
        this.inputSlot = consts.size();
        slots.put(inputName, inputSlot);
        consts.add(null);

        if (g.getOutputCount() < 1) throw new OnnxException(name + ": the graph has no output");
        String out = g.getOutput(0).getName();
        String graphOut = out;

        // ---- nodes in dependency order; a final softmax is dropped
        List<NodeProto> order = topologicalOrder(g, slots.keySet());
        String dropped = null;
        NodeProto last = order.isEmpty() ? null : order.getLast();
        if (last != null && last.getOutputCount() >= 1 && last.getOutput(0).equals(out)
                && (last.getOpType().equals("Softmax") || last.getOpType().equals("LogSoftmax"))
                && order.stream().noneMatch(n -> n.getInputList().contains(graphOut))) {
            dropped = last.getOpType();
            out = last.getInput(0);
            order = order.subList(0, order.size() - 1);
        }
        this.droppedOutputOp = dropped;
        this.outputName = out;

        Converters.Graph info = new Converters.Graph() {
            @Override
            public int opset() {
                return opset;
            }

            @Override
            public Buffer buffer(String n) {
                return buffers.get(n);
            }
        };
        List<Step> compiled = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            NodeProto n = order.get(i);
            String where = name + ": node " + i + " '" + (n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + "' (" + n.getOpType() + ")";
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new OnnxException(where + ": domain '" + n.getDomain() + "' is not supported (only the default ONNX domain is)");
            }
            Kernel k = Converters.compile(n, where, info);
            int[] ins = n.getInputList().stream().mapToInt(s -> s.isEmpty() ? -1 : slots.get(s)).toArray();
            int[] outs = new int[n.getOutputCount()];
            for (int j = 0; j < outs.length; j++) {
                String o = n.getOutput(j);
                if (o.isEmpty()) {
                    outs[j] = -1;
                    continue;
                }
                if (slots.containsKey(o)) throw new OnnxException(where + ": output '" + o + "' is already defined");
                outs[j] = consts.size();
                slots.put(o, outs[j]);
                consts.add(null);
            }
            compiled.add(new Step(where, n, k, ins, outs));
        }
        if (!slots.containsKey(outputName)) throw new OnnxException(name + ": graph output '" + outputName + "' is not produced by any node");
        this.outputSlot = slots.get(outputName);
        this.constants = consts.toArray(Value[]::new);
        this.steps = fold(compiled);
        eval();
    }

    /**
     * Loads {@code file} into the current scope; parameters live on {@code backend}.
     *
     * @param file    the .onnx file; external data must lie in its directory
     * @param backend the backend the parameters and activations live on
     * @return the model, in evaluation mode
     */
    public static OnnxModel load(Path file, Backend backend) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new OnnxException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size >= Integer.MAX_VALUE) throw new OnnxException(file + ": " + size + " bytes, more than protobuf's 2 GB limit (store weights as external data)");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OnnxException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return load(file.getFileName().toString(), bytes, backend, file.toAbsolutePath().getParent());
    }

    /**
     * Parses a model from bytes; external data is refused when {@code baseDir} is null.
     *
     * @param name    a name for messages
     * @param bytes   the serialized ModelProto
     * @param backend the backend the parameters and activations live on
     * @param baseDir the directory external data is read from, or null to refuse external data
     * @return the model, in evaluation mode
     */
    public static OnnxModel load(String name, byte[] bytes, Backend backend, Path baseDir) {
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(64);
            model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(name + ": not a valid ONNX model file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxException(name + ": cannot parse (" + e.getMessage() + ")", e);
        }
        checkWireTypes(name, model);
        if (!backend.supports(DType.FLOAT32)) throw new OnnxException("backend " + backend.name() + " does not support float32");
        return new OnnxModel(name, model, backend, baseDir);
    }

    /**
     * Protobuf keeps a known field sent with the wrong wire type as an unknown field;
     * ONNX defines no extensions, so such a field means a corrupt or foreign file.
     */
    private static void checkWireTypes(String name, Message m) {
        for (int number : m.getUnknownFields().asMap().keySet()) {
            var field = m.getDescriptorForType().findFieldByNumber(number);
            if (field != null) {
                throw new OnnxException(name + ": not a valid ONNX model file (" + m.getDescriptorForType().getName() + "." + field.getName()
                        + " has the wrong wire type)");
            }
        }
        for (var e : m.getAllFields().entrySet()) {
            if (e.getKey().getJavaType() != com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) continue;
            if (e.getKey().isRepeated()) {
                for (Object o : (List<?>) e.getValue()) checkWireTypes(name, (Message) o);
            } else {
                checkWireTypes(name, (Message) e.getValue());
            }
        }
    }

    private int opset(ModelProto model) {
        Integer found = null;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) found = (int) o.getVersion();
        }
        if (found == null) throw new OnnxException(name + ": no opset import for the default ONNX domain");
        if (found < MIN_OPSET || found > MAX_OPSET) {
            throw new OnnxException(name + ": opset " + found + " is not supported (" + MIN_OPSET + ".." + MAX_OPSET + " are)");
        }
        return found;
    }

    private int[] inputDims(ValueInfoProto input) {
        String what = name + ": input '" + input.getName() + "'";
        if (!input.hasType() || !input.getType().hasTensorType()) throw new OnnxException(what + " is not a tensor");
        var tt = input.getType().getTensorType();
        if (tt.getElemType() != 1) throw new OnnxException(what + " has type " + HostTensor.typeName(tt.getElemType()) + ", only FLOAT is supported");
        if (!tt.hasShape()) return null;
        List<TensorShapeProto.Dimension> dims = tt.getShape().getDimList();
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            var d = dims.get(i);
            out[i] = d.hasDimValue() && d.getDimValue() > 0 && d.getDimValue() <= Integer.MAX_VALUE ? (int) d.getDimValue() : -1;
        }
        return out;
    }

    /** Kahn's algorithm; names every input that nothing produces and every node on a cycle. */
    private List<NodeProto> topologicalOrder(GraphProto g, Set<String> available) {
        Map<String, Integer> producer = new HashMap<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                if (o.isEmpty()) continue;
                if (available.contains(o) || producer.put(o, i) != null) {
                    throw new OnnxException(name + ": value '" + o + "' is produced twice (node " + i + ", " + nodes.get(i).getOpType() + ")");
                }
            }
        }
        int[] pending = new int[nodes.size()];
        Map<Integer, List<Integer>> users = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (in.isEmpty() || available.contains(in)) continue;
                Integer p = producer.get(in);
                if (p == null) {
                    throw new OnnxException(name + ": node " + i + " '" + n.getName() + "' (" + n.getOpType() + ") reads '" + in
                            + "', which is neither the graph input, an initializer nor any node's output");
                }
                pending[i]++;
                users.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) if (pending[i] == 0) ready.add(i);
        List<NodeProto> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int u : users.getOrDefault(i, List.of())) if (--pending[u] == 0) ready.add(u);
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < nodes.size() && stuck.size() < 5; i++) {
                if (pending[i] > 0) stuck.add(nodes.get(i).getOpType() + " '" + nodes.get(i).getName() + "'");
            }
            throw new OnnxException(name + ": the graph has a cycle (nodes " + String.join(", ", stuck) + " wait on each other)");
        }
        return order;
    }

    /** Runs, once, every node whose inputs are all host constants, and keeps only the rest. */
    private List<Step> fold(List<Step> compiled) {
        List<Step> rest = new ArrayList<>();
        Kernel.RunContext ctx = context();
        for (Step s : compiled) {
            boolean constant = true;
            for (int i : s.in()) constant &= i < 0 || (constants[i] != null && !constants[i].isDense());
            if (constant) {
                Value[] out = run(s, constants, ctx);
                for (int j = 0; j < s.out().length; j++) if (s.out()[j] >= 0) constants[s.out()[j]] = out[j];
            } else {
                rest.add(s);
            }
        }
        return List.copyOf(rest);
    }

    private Kernel.RunContext context() {
        return new Kernel.RunContext() {
            @Override
            public Backend backend() {
                return backend;
            }

            @Override
            public boolean training() {
                return isTraining();
            }
        };
    }

    private static Value[] run(Step s, Value[] env, Kernel.RunContext ctx) {
        Value[] in = new Value[s.in().length];
        for (int i = 0; i < in.length; i++) in[i] = s.in()[i] < 0 ? null : env[s.in()[i]];
        try {
            Value[] out = s.kernel().apply(in, ctx);
            if (out.length < s.out().length && Arrays.stream(s.out()).skip(out.length).anyMatch(o -> o >= 0)) {
                throw new OnnxException(s.where() + ": produces " + out.length + " outputs, " + s.out().length + " requested");
            }
            return out;
        } catch (OnnxException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new OnnxException(s.where() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Variable forward(Variable x) {
        if (inputDims != null) {
            boolean ok = x.shape().rank() == inputDims.length;
            for (int i = 1; ok && i < inputDims.length; i++) ok = inputDims[i] < 0 || inputDims[i] == x.dim(i);
            if (!ok) throw new IllegalArgumentException(name + ": input '" + inputName + "' must be " + describeDims() + ", got " + x.shape());
        }
        Value y = trace(x)[outputSlot];
        if (y == null) throw new IllegalStateException(name + ": output '" + outputName + "' was not computed");
        return y.variable(backend);
    }

    /**
     * The file this model came from with every float initializer replaced by the
     * current value of its parameter or buffer (after fine-tuning, say). The graph
     * is unchanged, a final softmax included; external data is stored inline.
     */
    ModelProto withCurrentWeights() {
        GraphProto.Builder g = source.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            var t = stateByInitializer.get(g.getInitializer(i).getName());
            if (t != null) g.setInitializer(i, OnnxExport.floatTensor(g.getInitializer(i).getName(), t));
        }
        return source.toBuilder().setGraph(g).build();
    }

    List<Step> steps() {
        return steps;
    }

    Value constant(int slot) {
        return constants[slot];
    }

    int inputSlot() {
        return inputSlot;
    }

    int outputSlot() {
        return outputSlot;
    }

    Backend backend() {
        return backend;
    }

    /** Runs the steps on {@code x} and returns every slot's value (for {@link NativeLift}'s shape probe). */
    Value[] trace(Variable x) {
        Value[] env = constants.clone();
        env[inputSlot] = Value.dense(x);
        Kernel.RunContext ctx = context();
        for (Step s : steps) {
            Value[] out = run(s, env, ctx);
            for (int j = 0; j < s.out().length; j++) if (s.out()[j] >= 0) env[s.out()[j]] = out[j];
        }
        return env;
    }

    /**
     * The same function as a LipReg model spec and state dict, for graphs built from
     * layers and residual blocks LipReg has (what {@code train --init} fine-tunes and
     * what the Lipschitz bound of {@code eval --certify} walks). Refused with the first
     * node that does not fit.
     *
     * @return the spec and state dict computing this graph's function
     */
    public NativeModel toNative() {
        return NativeLift.lift(this);
    }

    /**
     * The declared input dims with the batch (and any other symbolic dim) as -1; null when undeclared.
     *
     * @return the input dims, -1 for symbolic ones, or null
     */
    public int[] inputDims() {
        return inputDims == null ? null : inputDims.clone();
    }

    /**
     * The op of a final Softmax/LogSoftmax removed so the module returns logits, or null.
     *
     * @return the dropped op's type, or null when none was dropped
     */
    public String droppedOutputOp() {
        return droppedOutputOp;
    }

    /** {@return the model's name: the file name it was loaded from, or the name given to {@link #load(String, byte[], Backend, Path)}} */
    public String name() {
        return name;
    }

    /**
     * Number of nodes that run per forward pass (after folding).
     *
     * @return the node count
     */
    public int nodeCount() {
        return steps.size();
    }

    private String describeDims() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < inputDims.length; i++) b.append(i > 0 ? "," : "").append(i == 0 ? "N" : inputDims[i] < 0 ? "?" : inputDims[i]);
        return b.append(']').toString();
    }

    @Override
    public String describe() {
        Map<String, Integer> ops = new LinkedHashMap<>();
        for (Step s : steps) {
            String op = s.where().substring(s.where().lastIndexOf('(') + 1, s.where().length() - 1);
            ops.merge(op, 1, Integer::sum);
        }
        return "OnnxModel(" + name + ", input " + (inputDims == null ? "?" : describeDims()) + ", " + steps.size() + " nodes " + ops
                + (droppedOutputOp != null ? ", final " + droppedOutputOp + " dropped" : "") + ")";
    }

    /** A NaN weight makes every output NaN: refuse the file at load instead of reporting NaN errors later. */
    private static void checkNoNaN(float[] v, String what) {
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) throw new OnnxException(what + " holds NaN at element " + i + " of " + v.length + ": expected finite weights");
        }
    }
}
