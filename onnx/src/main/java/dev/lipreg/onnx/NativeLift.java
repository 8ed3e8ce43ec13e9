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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts an imported chain of layers (Conv, BatchNormalization, Gemm/MatMul(+Add),
 * activations, MaxPool, AveragePool, GlobalAveragePool/ReduceMean, Flatten/Reshape,
 * Dropout, Sub and Div by per-channel constants as a normalize layer) and LipReg's residual and bottleneck blocks (as PyTorch ResNets export them)
 * into a LipReg {@link ModelSpec} and state dict computing the same function. Shape
 * subgraphs are skipped; any other branch is refused by node.
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
    /** The index of a normalize layer lifted from Sub whose std a directly following Div gives; -1 if none. */
    private int subtracted = -1;

    private NativeLift(OnnxModel model) {
        this.model = model;
        this.backend = model.backend();
    }

    static NativeModel lift(OnnxModel model) {
        return new NativeLift(model).run();
    }

    private OnnxException fail(String message) {
        return new OnnxException((where == null ? model.name() : where) + ": " + message
                + " (converting needs LipReg's layers: Conv, BatchNormalization, Gemm/MatMul, activations, pools, Flatten, Dropout, Sub/Div by per-channel constants, residual and bottleneck blocks)");
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
        // dense consumers of each slot (shape computations read tensors too, but only their dims)
        Map<Integer, List<OnnxModel.Step>> users = new HashMap<>();
        for (OnnxModel.Step step : model.steps()) {
            if (step.node().getOpType().equals("Shape")) continue;
            for (int i : step.in()) if (i >= 0 && dense[i]) users.computeIfAbsent(i, k -> new ArrayList<>()).add(step);
        }
        Set<OnnxModel.Step> used = new HashSet<>();
        int current = model.inputSlot();
        Pending linearWithoutBias = null;
        while (current != model.outputSlot()) {
            List<OnnxModel.Step> next = users.getOrDefault(current, List.of());
            if (next.isEmpty()) throw fail("the chain of layers stops before the graph's output");
            if (next.size() == 1 && !isJoin(next.getFirst())) {
                OnnxModel.Step step = next.getFirst();
                where = step.where();
                if (step.in()[0] != current) throw fail("the previous layer's output is not its first input");
                for (int i = 1; i < step.in().length; i++) {
                    if (step.in()[i] >= 0 && dense[step.in()[i]]) throw fail("input " + i + " is computed from the input, so the graph branches");
                }
                linearWithoutBias = layer(step, linearWithoutBias);
                used.add(step);
                current = step.out()[0];
            } else {
                current = block(current, next, users, used);
                linearWithoutBias = null;
                subtracted = -1;
            }
        }
        for (OnnxModel.Step step : model.steps()) {
            where = step.where();
            if (!used.contains(step) && Arrays.stream(step.out()).anyMatch(o -> o >= 0 && dense[o])) {
                throw fail("it computes a tensor beside the chain of layers");
            }
        }
        where = null;
        int[] out = dims[current];
        if (out.length != 2) throw fail("the output must be [N, classes], got " + Arrays.toString(out));
        String name = model.name().replaceFirst("(?i)\\.onnx$", "");
        return new NativeModel(new ModelSpec(name, new int[]{in[1], in[2], in[3]}, out[1], layers), state);
    }

    private boolean isJoin(OnnxModel.Step step) {
        return step.node().getOpType().equals("Add") && step.in().length == 2 && dense[step.in()[0]] && dense[step.in()[1]];
    }

    /**
     * A residual or bottleneck block starting at {@code x}: two paths from x (the
     * branch, and a 1x1 Conv + BatchNormalization projection or nothing) joined by
     * Add, then Relu. Returns the block's output slot.
     */
    private int block(int x, List<OnnxModel.Step> starts, Map<Integer, List<OnnxModel.Step>> users, Set<OnnxModel.Step> used) {
        where = starts.getFirst().where();
        if (starts.size() != 2) throw fail("the graph branches " + starts.size() + " ways here; only residual blocks convert");
        List<List<OnnxModel.Step>> paths = new ArrayList<>();
        OnnxModel.Step join = null;
        for (OnnxModel.Step first : starts) {
            List<OnnxModel.Step> path = new ArrayList<>();
            OnnxModel.Step s = first;
            while (!isJoin(s)) {
                path.add(s);
                List<OnnxModel.Step> u = users.getOrDefault(s.out()[0], List.of());
                if (u.size() != 1 || path.size() > 12) throw fail("a branch that is not a residual block");
                s = u.getFirst();
            }
            if (join != null && join != s) throw fail("branches that do not meet at one Add");
            join = s;
            paths.add(path);
        }
        paths.sort((a, b) -> b.size() - a.size());
        List<OnnxModel.Step> branch = paths.get(0), skip = paths.get(1);
        where = join.where();
        List<OnnxModel.Step> after = users.getOrDefault(join.out()[0], List.of());
        if (after.size() != 1 || !after.getFirst().node().getOpType().equals("Relu")) throw fail("a residual Add not followed by Relu");
        OnnxModel.Step relu = after.getFirst();
        List<String> ops = branch.stream().map(st -> st.node().getOpType()).toList();
        int i = layers.size();
        String prefix = i + ".";
        int in = dims[x][1];
        if (ops.equals(List.of("Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization"))) {
            Tensor w1 = convWeight(branch.get(0), prefix + "conv1", 3, false);
            Tensor w2 = convWeight(branch.get(3), prefix + "conv2", 3, false);
            int stride = stride(branch.get(0)), groups = group(branch.get(0));
            if (stride(branch.get(3)) != 1 || group(branch.get(3)) != groups || w1.dim(0) != w2.dim(0)) throw fail("a residual block LipReg does not have");
            bn(branch.get(1), prefix + "bn1");
            bn(branch.get(4), prefix + "bn2");
            shortcut(skip, prefix, in, w1.dim(0), stride);
            layers.add(LayerSpec.of("residual", "in", in, "out", w1.dim(0), "stride", stride, "groups", groups));
        } else if (ops.equals(List.of("Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization"))) {
            Tensor w1 = convWeight(branch.get(0), prefix + "conv1", 1, false);
            Tensor w2 = convWeight(branch.get(3), prefix + "conv2", 3, false);
            Tensor w3 = convWeight(branch.get(6), prefix + "conv3", 1, false);
            int stride = stride(branch.get(3)), card = group(branch.get(3)), inner = w1.dim(0);
            if (stride(branch.get(0)) != 1 || stride(branch.get(6)) != 1 || group(branch.get(0)) != 1 || group(branch.get(6)) != 1
                    || w2.dim(0) != inner || inner % card != 0) {
                throw fail("a bottleneck block LipReg does not have");
            }
            bn(branch.get(1), prefix + "bn1");
            bn(branch.get(4), prefix + "bn2");
            bn(branch.get(7), prefix + "bn3");
            shortcut(skip, prefix, in, w3.dim(0), stride);
            layers.add(LayerSpec.of("bottleneck", "in", in, "out", w3.dim(0), "cardinality", card, "width", inner / card, "stride", stride));
        } else {
            throw fail("a branch " + ops + " that is neither LipReg's residual nor its bottleneck block");
        }
        used.addAll(branch);
        used.addAll(skip);
        used.add(join);
        used.add(relu);
        return relu.out()[0];
    }

    /** The identity when stride 1 and channels unchanged, else a 1x1 Conv + BatchNormalization (LipReg's Shortcut). */
    private void shortcut(List<OnnxModel.Step> skip, String prefix, int in, int out, int stride) {
        boolean projection = stride != 1 || in != out;
        List<String> ops = skip.stream().map(st -> st.node().getOpType()).toList();
        if (!projection && ops.isEmpty()) return;
        if (!projection || !ops.equals(List.of("Conv", "BatchNormalization")) || stride(skip.get(0)) != stride) {
            throw fail("a shortcut " + ops + " LipReg's blocks do not have (identity when shape is kept, else 1x1 conv + batch norm)");
        }
        convWeight(skip.get(0), prefix + "shortcut.0", 1, false);
        bn(skip.get(1), prefix + "shortcut.1");
    }

    private Attrs attrs(OnnxModel.Step step) {
        where = step.where();
        return new Attrs(step.node(), where, Set.of("kernel_shape", "strides", "dilations", "pads", "auto_pad", "group", "epsilon", "momentum",
                "training_mode", "spatial", "is_test"));
    }

    /** A bias-free square conv with kernel k, padding k/2, dilation 1; its weight goes to {@code name}.weight. */
    private Tensor convWeight(OnnxModel.Step step, String name, int k, boolean bias) {
        Attrs a = attrs(step);
        Tensor w = param(step, 1);
        if (w.dim(2) != k || w.dim(3) != k || symmetricPad(a) != k / 2 || square(a, "dilations", 1)[0] != 1
                || (step.in().length > 2 && step.in()[2] >= 0) != bias) {
            throw fail("a " + k + "x" + k + " convolution as LipReg's blocks have (padding " + k / 2 + ", no bias) was expected");
        }
        state.put(name + ".weight", w);
        return w;
    }

    private int stride(OnnxModel.Step conv) {
        return square(attrs(conv), "strides", 1)[0];
    }

    private int group(OnnxModel.Step conv) {
        return attrs(conv).intValue("group", 1);
    }

    /** A batch norm as LipReg's blocks build it (eps 1e-5). */
    private void bn(OnnxModel.Step step, String name) {
        Attrs a = attrs(step);
        if (Math.abs(a.f("epsilon", 1e-5f) - 1e-5f) > 1e-9) throw fail("a batch norm with eps 1e-5 (as in LipReg's blocks) was expected");
        state.put(name + ".weight", param(step, 1));
        state.put(name + ".bias", param(step, 2));
        state.put(name + ".running_mean", param(step, 3));
        state.put(name + ".running_var", param(step, 4));
        state.put(name + ".num_batches_tracked", backend.full(Shape.scalar(), DType.INT64, 0));
    }

    /** A linear layer that an Add of a constant vector may still give a bias. */
    private record Pending(int index, int out) {
    }

    private Pending layer(OnnxModel.Step step, Pending linear) {
        NodeProto n = step.node();
        int i = layers.size();
        int sub = subtracted;
        subtracted = -1;
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
            case "Sub" -> {
                double[] mean = perChannel(step, inDims, outDims);
                double[] std = new double[mean.length];
                Arrays.fill(std, 1);
                layers.add(LayerSpec.of("normalize", "mean", mean, "std", std));
                subtracted = i;
            }
            case "Div" -> {
                double[] std = perChannel(step, inDims, outDims);
                if (Arrays.stream(std).anyMatch(v -> !(v > 0) || Double.isInfinite(v))) {
                    throw fail("only Div by finite constants > 0 converts (to a normalize layer), got " + Arrays.toString(std));
                }
                if (sub >= 0) {
                    layers.set(sub, LayerSpec.of("normalize", "mean", layers.get(sub).lists().get("mean"), "std", std));
                } else {
                    layers.add(LayerSpec.of("normalize", "mean", new double[std.length], "std", std));
                }
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

    /**
     * The constant second input of a Sub or Div as one value per channel (axis 1): a scalar, or a
     * tensor whose dims, aligned to the input's from the right, are 1 except C on the channel axis.
     */
    private double[] perChannel(OnnxModel.Step step, int[] inDims, int[] outDims) {
        Tensor c = param(step, 1);
        int[] d = c.shape().dims();
        int channels = inDims.length >= 2 ? inDims[1] : -1;
        boolean fits = Arrays.equals(inDims, outDims) && channels > 0 && d.length <= inDims.length;
        for (int k = 0; fits && k < d.length; k++) {
            int axis = inDims.length - d.length + k;
            fits = d[k] == 1 || axis == 1 && d[k] == channels;
        }
        if (!fits) {
            throw fail(step.node().getOpType() + " by a constant " + Arrays.toString(d) + " on an input " + Arrays.toString(inDims)
                    + " converts only as a per-channel normalization (a scalar or one value per channel of axis 1)");
        }
        double[] v = c.toDoubleArray();
        double[] out = new double[channels];
        for (int k = 0; k < channels; k++) out[k] = v.length == 1 ? v[0] : v[k];
        return out;
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
