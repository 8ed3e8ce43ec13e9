package dev.lipreg.onnx;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts an imported chain of layers (Conv, BatchNormalization, Gemm/MatMul(+Add),
 * activations, MaxPool, AveragePool, GlobalAveragePool/ReduceMean, Flatten/Reshape,
 * Dropout) into a LipReg {@link ModelSpec} and state dict computing the same function.
 * Shape subgraphs are skipped; any branch (e.g. a residual Add) is refused by name.
 */
final class NativeLift {
    private final OnnxModel model;
    private final Backend backend;
    private final List<LayerSpec> layers = new ArrayList<>();
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    /** Per env slot, from a probe forward pass: its dims and whether it is computed from the input (null: not computed). */
    private int[][] dims;
    private boolean[] dense;
    private String where;

    private NativeLift(OnnxModel model) {
        this.model = model;
        this.backend = model.backend();
    }

    static NativeModel lift(OnnxModel model) {
        return new NativeLift(model).run();
    }

    private OnnxException fail(String message) {
        return new OnnxException((where == null ? model.name() : where) + ": " + message
                + " (LipReg layers are needed here: a chain of Conv, BatchNormalization, Gemm/MatMul, activations, pools, Flatten and Dropout)");
    }

    private NativeModel run() {
        int[] in = model.inputDims();
        if (in == null || in.length != 4 || in[1] < 1 || in[2] < 1 || in[3] < 1) {
            throw fail("the input must be declared [N,C,H,W] with fixed C, H, W, got " + (in == null ? "none" : Arrays.toString(in)));
        }
        try (Scope s = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            Value[] probe = model.trace(Variable.constant(backend.full(Shape.of(2, in[1], in[2], in[3]), DType.FLOAT32, 0)));
            dims = new int[probe.length][];
            dense = new boolean[probe.length];
            for (int i = 0; i < probe.length; i++) {
                if (probe[i] == null) continue;
                dims[i] = probe[i].dims();
                dense[i] = probe[i].isDense() && model.constant(i) == null;
            }
        }
        {
            int current = model.inputSlot();
            Pending linearWithoutBias = null;
            for (OnnxModel.Step step : model.steps()) {
                where = step.where();
                int chain = current;
                boolean readsCurrent = Arrays.stream(step.in()).anyMatch(i -> i == chain);
                if (!readsCurrent || step.node().getOpType().equals("Shape")) {
                    if (Arrays.stream(step.out()).anyMatch(o -> o >= 0 && dense[o])) {
                        throw fail("it computes a tensor beside the chain of layers");
                    }
                    continue;
                }
                if (step.in()[0] != current) throw fail("the previous layer's output is not its first input");
                for (int i = 1; i < step.in().length; i++) {
                    if (step.in()[i] >= 0 && dense[step.in()[i]]) {
                        throw fail("input " + i + " is computed from the input, so the graph branches");
                    }
                }
                Pending p = layer(step, linearWithoutBias);
                linearWithoutBias = p;
                current = step.out()[0];
            }
            if (current != model.outputSlot()) throw fail("the chain does not end at the graph's output");
            int[] out = dims[current];
            if (out.length != 2) throw fail("the output must be [N, classes], got " + Arrays.toString(out));
            String name = model.name().replaceFirst("(?i)\\.onnx$", "");
            return new NativeModel(new ModelSpec(name, new int[]{in[1], in[2], in[3]}, out[1], layers), state);
        }
    }

    /** A linear layer that an Add of a constant vector may still give a bias. */
    private record Pending(int index, int out) {
    }

    private Pending layer(OnnxModel.Step step, Pending linear) {
        NodeProto n = step.node();
        int i = layers.size();
        Attrs a = new Attrs(n, where, Set.of("kernel_shape", "strides", "dilations", "pads", "auto_pad", "group", "epsilon", "momentum",
                "training_mode", "spatial", "is_test", "alpha", "beta", "transA", "transB", "ceil_mode", "storage_order", "count_include_pad",
                "axis", "axes", "keepdims", "noop_with_empty_axes", "ratio", "seed", "allowzero", "min", "max"));
        int[] inDims = dims[step.in()[0]], outDims = dims[step.out()[0]];
        switch (n.getOpType()) {
            case "Conv" -> {
                Tensor w = param(step, 1);
                int[] st = square(a, "strides", 1), d = square(a, "dilations", 1);
                int pad = symmetricPad(a);
                int g = a.intValue("group", 1);
                boolean bias = step.in().length > 2 && step.in()[2] >= 0;
                layers.add(LayerSpec.of("conv2d", "in", w.dim(1) * g, "out", w.dim(0), "kernel_h", w.dim(2), "kernel_w", w.dim(3),
                        "stride", st[0], "padding", pad, "dilation", d[0], "groups", g, "bias", bias ? 1 : 0));
                state.put(i + ".weight", w);
                if (bias) state.put(i + ".bias", param(step, 2));
            }
            case "BatchNormalization" -> {
                Tensor gamma = param(step, 1);
                layers.add(LayerSpec.of("batchnorm2d", "channels", gamma.dim(0), "eps", (double) a.f("epsilon", 1e-5f),
                        "momentum", 1 - (double) a.f("momentum", 0.9f)));
                state.put(i + ".weight", gamma);
                state.put(i + ".bias", param(step, 2));
                state.put(i + ".running_mean", param(step, 3));
                state.put(i + ".running_var", param(step, 4));
                state.put(i + ".num_batches_tracked", backend.full(Shape.scalar(), DType.INT64, 0));
            }
            case "Gemm" -> {
                if (a.f("alpha", 1f) != 1f || a.f("beta", 1f) != 1f || a.i("transA", 0) != 0) throw fail("only Gemm with alpha = beta = 1, transA = 0 converts");
                Tensor w = param(step, 1);
                if (a.i("transB", 0) == 0) w = transpose(w);
                boolean bias = step.in().length > 2 && step.in()[2] >= 0;
                layers.add(LayerSpec.of("linear", "in", w.dim(1), "out", w.dim(0), "bias", bias ? 1 : 0));
                state.put(i + ".weight", w);
                if (bias) {
                    Tensor b = param(step, 2);
                    if (b.shape().rank() != 1) throw fail("the bias must be a vector, got " + b.shape());
                    state.put(i + ".bias", b);
                }
            }
            case "MatMul" -> {
                if (inDims.length != 2) throw fail("MatMul converts on [N, features] inputs only");
                Tensor w = transpose(param(step, 1));
                layers.add(LayerSpec.of("linear", "in", w.dim(1), "out", w.dim(0), "bias", 0));
                state.put(i + ".weight", w);
                return new Pending(i, w.dim(0));
            }
            case "Add" -> {
                Tensor b = step.in()[1] >= 0 && model.constant(step.in()[1]) != null ? model.constant(step.in()[1]).variable(backend).value() : null;
                if (linear == null || b == null || b.shape().rank() != 1 || b.dim(0) != linear.out()) throw fail("only Add of a bias after MatMul converts");
                LayerSpec l = layers.get(linear.index());
                Map<String, Number> args = new LinkedHashMap<>(l.args());
                args.put("bias", 1);
                layers.set(linear.index(), new LayerSpec("linear", args));
                state.put(linear.index() + ".bias", b);
                return null;
            }
            case "Relu", "Sigmoid", "Tanh", "Softplus" -> layers.add(LayerSpec.of(n.getOpType().toLowerCase(java.util.Locale.ROOT)));
            case "LeakyRelu" -> layers.add(LayerSpec.of("leaky_relu", "slope", (double) a.f("alpha", 0.01f)));
            case "Elu" -> layers.add(LayerSpec.of("elu", "alpha", (double) a.f("alpha", 1f)));
            case "MaxPool", "AveragePool" -> {
                int[] k = a.intArray("kernel_shape", new int[]{0, 0});
                if (k.length != 2 || k[0] != k[1]) throw fail("only square pooling windows convert, got " + Arrays.toString(k));
                if (a.i("ceil_mode", 0) != 0) throw fail("ceil_mode 1 does not convert");
                int[] st = square(a, "strides", 1);
                int pad = symmetricPad(a);
                boolean max = n.getOpType().equals("MaxPool");
                layers.add(max ? LayerSpec.of("maxpool2d", "kernel", k[0], "stride", st[0], "padding", pad)
                        : LayerSpec.of("avgpool2d", "kernel", k[0], "stride", st[0], "padding", pad, "count_include_pad", (int) a.i("count_include_pad", 0)));
            }
            case "GlobalAveragePool" -> layers.add(LayerSpec.of("adaptive_avgpool2d"));
            case "ReduceMean" -> {
                if (inDims.length != 4 || !(outDims.length == 4 || outDims.length == 2) || outDims[1] != inDims[1]
                        || (outDims.length == 4 && (outDims[2] != 1 || outDims[3] != 1))) {
                    throw fail("only a mean over the spatial axes converts");
                }
                layers.add(LayerSpec.of("adaptive_avgpool2d"));
                if (outDims.length == 2) layers.add(LayerSpec.of("flatten"));
            }
            case "Flatten", "Reshape" -> {
                if (outDims.length != 2 || outDims[0] != inDims[0]) throw fail("only a flatten to [N, features] converts, got " + Arrays.toString(outDims));
                if (inDims.length != 2) layers.add(LayerSpec.of("flatten"));
            }
            case "Dropout", "Identity" -> { } // the identity in evaluation mode
            default -> throw fail("op " + n.getOpType() + " has no LipReg layer");
        }
        return null;
    }

    private Tensor param(OnnxModel.Step step, int input) {
        int slot = input < step.in().length ? step.in()[input] : -1;
        Value v = slot >= 0 ? model.constant(slot) : null;
        if (v == null) throw fail("input " + input + " must be an initializer");
        return v.variable(backend).value();
    }

    private Tensor transpose(Tensor w) {
        if (w.shape().rank() != 2) throw fail("the weight must be 2-d, got " + w.shape());
        float[] v = w.toFloatArray(), t = new float[v.length];
        int r = w.dim(0), c = w.dim(1);
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) t[j * r + i] = v[i * c + j];
        return backend.fromArray(t, Shape.of(c, r));
    }

    private int[] square(Attrs a, String name, int dflt) {
        int[] v = a.intArray(name, new int[]{dflt, dflt});
        if (v.length != 2 || v[0] != v[1]) throw fail(name + " " + Arrays.toString(v) + " differ between height and width");
        return v;
    }

    private int symmetricPad(Attrs a) {
        String auto = a.s("auto_pad", "NOTSET");
        if (auto.equals("VALID")) return 0;
        if (!auto.equals("NOTSET")) throw fail("auto_pad " + auto + " does not convert");
        int[] p = a.intArray("pads", new int[4]);
        if (p.length != 4 || p[0] != p[1] || p[0] != p[2] || p[0] != p[3]) throw fail("pads " + Arrays.toString(p) + " are not the same on every side");
        return p[0];
    }
}
