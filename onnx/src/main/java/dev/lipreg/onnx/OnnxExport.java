package dev.lipreg.onnx;

import com.google.protobuf.ByteString;
import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Activation;
import dev.lipreg.nn.AdaptiveAvgPool2d;
import dev.lipreg.nn.AvgPool2d;
import dev.lipreg.nn.BatchNorm2d;
import dev.lipreg.nn.BottleneckBlock;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Dropout;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Normalize;
import dev.lipreg.nn.ResidualBlock;
import dev.lipreg.nn.Sequential;
import dev.lipreg.onnx.gen.OnnxProto.AttributeProto;
import dev.lipreg.onnx.gen.OnnxProto.GraphProto;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.onnx.gen.OnnxProto.OperatorSetIdProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto;
import dev.lipreg.onnx.gen.OnnxProto.TypeProto;
import dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Writes a LipReg model as an ONNX file (opset 17, float32, dynamic batch) that
 * ONNX Runtime and PyTorch's tooling read. Initializers carry the model's
 * state_dict names ("0.weight", "3.layer.conv1.weight", ...). The graph is the
 * model in evaluation mode: batch norms use their running statistics, dropout is
 * the identity. An imported {@link OnnxModel} is written back as its original
 * graph with the current (e.g. fine-tuned) weights.
 */
public final class OnnxExport {
    /** The opset of the default domain every export declares. */
    public static final int OPSET = 17;
    static final int IR_VERSION = 8;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<Tensor, String> names = new IdentityHashMap<>();
    /** The rank of each Normalize layer's input, from the probe pass: its constants are shaped [1, C, 1, ...] to match. */
    private final Map<Normalize, Integer> normalizeRanks = new IdentityHashMap<>();
    private int counter;

    private OnnxExport(Module root) {
        root.stateDict().forEach((k, v) -> names.put(v, k));
    }

    /**
     * Writes {@code module} for inputs [N, ...input] to {@code file} (atomically:
     * a failed export leaves no file behind).
     *
     * @param module the model; exported in evaluation mode (its mode is restored afterwards)
     * @param input  the per-image input dims, e.g. [1, 28, 28]; ignored for an imported {@link OnnxModel}
     * @param file   the file to write
     */
    public static void write(Module module, int[] input, Path file) {
        ModelProto model = module instanceof OnnxModel imported ? imported.withCurrentWeights() : build(module, input);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, model.toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new OnnxException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The ONNX model of {@code module} for inputs [N, ...input].
     *
     * @param module the model; exported in evaluation mode (its mode is restored afterwards)
     * @param input  the per-image input dims, e.g. [1, 28, 28]
     * @return the model proto
     */
    public static ModelProto build(Module module, int[] input) {
        OnnxExport x = new OnnxExport(module);
        int[] outDims = x.outputDims(module, input);
        String out = x.emit(module, "input", "");
        x.graph.setName("lipreg").addInput(valueInfo("input", input)).addOutput(valueInfo(out, outDims));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("LipReg").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(x.graph).build();
    }

    /** The output dims (without batch) from one evaluation-mode forward pass of a zero batch of one. */
    private int[] outputDims(Module module, int[] input) {
        boolean training = module.isTraining();
        Tensor any = module.stateDict().values().stream().findFirst()
                .orElseThrow(() -> new OnnxException("cannot export " + module.describe() + ": it has no parameters to infer its backend from"));
        int[] dims = new int[input.length + 1];
        dims[0] = 1;
        System.arraycopy(input, 0, dims, 1, input.length);
        try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            module.eval();
            Variable y = probe(module, Variable.constant(any.backend().full(Shape.of(dims), any.dtype(), 0)));
            int[] d = y.shape().dims();
            int[] out = new int[d.length - 1];
            System.arraycopy(d, 1, out, 0, out.length);
            return out;
        } catch (IllegalArgumentException e) {
            throw new OnnxException("cannot export " + module.getClass().getSimpleName() + " for inputs " + java.util.Arrays.toString(input)
                    + ": " + e.getMessage(), e);
        } finally {
            module.train(training);
        }
    }

    /** {@code m.forward(x)}, layer by layer through Sequentials, noting the input rank of each Normalize. */
    private Variable probe(Module m, Variable x) {
        if (m instanceof Sequential s) {
            Variable h = x;
            for (Module layer : s.layers()) h = probe(layer, h);
            return h;
        }
        if (m instanceof Normalize n) normalizeRanks.put(n, x.shape().rank());
        return m.forward(x);
    }

    private static ValueInfoProto valueInfo(String name, int[] dimsWithoutBatch) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : dimsWithoutBatch) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    // ------------------------------------------------------------------ layers

    /** Emits the nodes of {@code m} reading {@code in}; returns the name of its output. */
    private String emit(Module m, String in, String scope) {
        return switch (m) {
            case Sequential s -> {
                String h = in;
                for (int i = 0; i < s.layers().size(); i++) h = emit(s.layers().get(i), h, scope + "/" + i);
                yield h;
            }
            case Conv2d c -> conv(c, in, scope);
            case Linear l -> {
                NodeProto.Builder n = node("Gemm", scope, in, initializer(l.weight().value()));
                if (l.bias() != null) n.addInput(initializer(l.bias().value()));
                n.addAttribute(intAttr("transB", 1));
                yield add(n);
            }
            case Activation a -> add(activation(a, in, scope));
            case MaxPool2d p -> add(pool("MaxPool", p.spec(), in, scope));
            case AvgPool2d p -> add(pool("AveragePool", p.spec(), in, scope).addAttribute(intAttr("count_include_pad", p.spec().countIncludePad() ? 1 : 0)));
            case AdaptiveAvgPool2d p -> add(node("GlobalAveragePool", scope, in));
            case Flatten f -> add(node("Flatten", scope, in).addAttribute(intAttr("axis", 1)));
            case Dropout d -> in; // evaluation mode: the identity
            case Normalize n -> normalize(n, in, scope);
            case BatchNorm2d b -> batchNorm(b, in, scope);
            case ResidualBlock r -> {
                String h = relu(batchNorm(r.bn1(), conv(r.conv1(), in, scope + "/conv1"), scope + "/bn1"), scope + "/relu1");
                h = batchNorm(r.bn2(), conv(r.conv2(), h, scope + "/conv2"), scope + "/bn2");
                yield join(h, r.shortcutConv(), r.shortcutBn(), in, scope);
            }
            case BottleneckBlock b -> {
                String h = relu(batchNorm(b.bn1(), conv(b.conv1(), in, scope + "/conv1"), scope + "/bn1"), scope + "/relu1");
                h = relu(batchNorm(b.bn2(), conv(b.conv2(), h, scope + "/conv2"), scope + "/bn2"), scope + "/relu2");
                h = batchNorm(b.bn3(), conv(b.conv3(), h, scope + "/conv3"), scope + "/bn3");
                yield join(h, b.shortcutConv(), b.shortcutBn(), in, scope);
            }
            default -> throw new OnnxException("cannot export layer " + m.describe() + " (" + m.getClass().getSimpleName()
                    + "): supported are Sequential, Conv2d, Linear, activations, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, "
                    + "Dropout, BatchNorm2d, Normalize, ResidualBlock, BottleneckBlock and imported OnnxModels");
        };
    }

    private String join(String branch, Conv2d projection, BatchNorm2d projectionBn, String in, String scope) {
        String skip = projection == null ? in
                : batchNorm(projectionBn, conv(projection, in, scope + "/shortcut/0"), scope + "/shortcut/1");
        return relu(add(node("Add", scope + "/add", branch, skip)), scope + "/relu");
    }

    private String relu(String in, String scope) {
        return add(node("Relu", scope, in));
    }

    private String conv(Conv2d c, String in, String scope) {
        var spec = c.spec();
        Shape w = c.weight().shape();
        NodeProto.Builder n = node("Conv", scope, in, initializer(c.weight().value()));
        if (c.bias() != null) n.addInput(initializer(c.bias().value()));
        n.addAttribute(intsAttr("kernel_shape", w.dim(2), w.dim(3)))
                .addAttribute(intsAttr("strides", spec.strideH(), spec.strideW()))
                .addAttribute(intsAttr("pads", spec.padH(), spec.padW(), spec.padH(), spec.padW()))
                .addAttribute(intsAttr("dilations", spec.dilationH(), spec.dilationW()))
                .addAttribute(intAttr("group", spec.groups()));
        return add(n);
    }

    private String batchNorm(BatchNorm2d b, String in, String scope) {
        Map<String, Tensor> s = b.stateDict();
        NodeProto.Builder n = node("BatchNormalization", scope, in, initializer(s.get("weight")), initializer(s.get("bias")),
                initializer(s.get("running_mean")), initializer(s.get("running_var")));
        n.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF((float) b.eps()));
        return add(n);
    }

    /**
     * (x − mean) / std as Sub and Div with constant initializers [1, C, 1, ...] named like PyTorch
     * buffers ("0.mean", "0.std"), as torch.onnx exports a normalization module; the import reads
     * them back and {@code toNative()} lifts the pair to a Normalize layer.
     */
    private String normalize(Normalize n, String in, String scope) {
        Integer rank = normalizeRanks.get(n);
        if (rank == null) throw new OnnxException("cannot export " + n.describe() + ": it was not reached by the probe pass");
        String prefix = scope.isEmpty() ? "" : scope.substring(1).replace('/', '.') + ".";
        String mean = constant(prefix + "mean", n.mean(), rank), std = constant(prefix + "std", n.std(), rank);
        return add(node("Div", scope, add(node("Sub", scope, in, mean)), std));
    }

    /** A float32 initializer [1, C, 1, ...] of the given rank holding {@code values}. */
    private String constant(String name, double[] values, int rank) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putFloat((float) v);
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
        for (int i = 0; i < rank; i++) p.addDims(i == 1 ? values.length : 1);
        if (graph.getInitializerList().stream().noneMatch(i -> i.getName().equals(name))) graph.addInitializer(p);
        return name;
    }

    private NodeProto.Builder activation(Activation a, String in, String scope) {
        return switch (a.kind()) {
            case RELU -> node("Relu", scope, in);
            case LEAKY_RELU -> node("LeakyRelu", scope, in).addAttribute(floatAttr("alpha", a.alpha()));
            case ELU -> node("Elu", scope, in).addAttribute(floatAttr("alpha", a.alpha()));
            case SOFTPLUS -> node("Softplus", scope, in);
            case TANH -> node("Tanh", scope, in);
            case SIGMOID -> node("Sigmoid", scope, in);
        };
    }

    private NodeProto.Builder pool(String op, Pool2dSpec p, String in, String scope) {
        return node(op, scope, in)
                .addAttribute(intsAttr("kernel_shape", p.kernelH(), p.kernelW()))
                .addAttribute(intsAttr("strides", p.strideH(), p.strideW()))
                .addAttribute(intsAttr("pads", p.padH(), p.padW(), p.padH(), p.padW()));
    }

    // ------------------------------------------------------------------ graph pieces

    private NodeProto.Builder node(String op, String scope, String... inputs) {
        String name = (scope.isEmpty() ? "" : scope) + "/" + op + "_" + counter++;
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) n.addInput(i);
        return n.addOutput(name + "_output");
    }

    private String add(NodeProto.Builder n) {
        graph.addNode(n);
        return n.getOutput(0);
    }

    /** The initializer for {@code t}, named by the state dict; added once. */
    private String initializer(Tensor t) {
        String name = names.get(t);
        if (name == null) throw new OnnxException("cannot export: a layer tensor " + t.shape() + " is not in the model's state dict");
        if (graph.getInitializerList().stream().noneMatch(i -> i.getName().equals(name))) graph.addInitializer(floatTensor(name, t));
        return name;
    }

    static TensorProto floatTensor(String name, Tensor t) {
        float[] v = t.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
        for (int d : t.shape().dims()) p.addDims(d);
        return p.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }
}
