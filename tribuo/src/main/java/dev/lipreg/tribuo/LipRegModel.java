package dev.lipreg.tribuo;

import ai.onnx.proto.OnnxMl;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;
import com.oracle.labs.mlrg.olcut.util.Pair;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A classifier trained by {@link LipRegTrainer}: the training set's feature
 * scaling ({@link FeatureScaling}) followed by a LipReg network whose softmax
 * gives each label's probability. Predictions rebuild the network's tensors in a
 * scope of their own, so the model can be shared, serialized (Java or Tribuo
 * protobuf, see {@link LipRegModelProtos}) and exported to ONNX.
 */
public final class LipRegModel extends Model<Label> implements ONNXExportable {
    private static final long serialVersionUID = 1L;
    /** The version of this model's protobuf form. */
    public static final int CURRENT_VERSION = 0;

    /** The training data's feature scaling to [0,1]. */
    private final FeatureScaling scaling;
    /** The network's spec and weights. */
    private final NetworkState network;
    /** The backend the network runs on after deserialization. */
    private final String backendName;
    private transient Backend backend;

    LipRegModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap, ImmutableOutputInfo<Label> outputIDInfo,
                FeatureScaling scaling, NetworkState network, String backendName) {
        super(name, provenance, featureIDMap, outputIDInfo, true);
        if (scaling.features() != featureIDMap.size()) {
            throw new IllegalArgumentException("feature scaling has " + scaling.features() + " features, the feature map " + featureIDMap.size());
        }
        if (network.spec().classes() != outputIDInfo.size()) {
            throw new IllegalArgumentException("network has " + network.spec().classes() + " classes, the label domain " + outputIDInfo.size());
        }
        this.scaling = scaling;
        this.network = network;
        this.backendName = backendName;
    }

    /** {@return the map from raw features to the [0,1] space the network (and the attacks) work in} */
    public FeatureScaling featureScaling() {
        return scaling;
    }

    /**
     * The network's spec as JSON, e.g. for {@code lipreg} tools.
     *
     * @return the spec's JSON
     */
    public String modelSpecJson() {
        return network.specJson();
    }

    NetworkState network() {
        return network;
    }

    String backendName() {
        return backendName;
    }

    /** The backend predictions run on: the one training used, by name ("auto" picks oneDNN when it loads). */
    Backend backend() {
        if (backend == null) backend = Backends.byName(backendName);
        return backend;
    }

    /**
     * {@code example}'s features in the network's [0,1] space.
     *
     * @param example an example with this model's features
     * @return the features, scaled and clipped as in training
     */
    public float[] toFeatureSpace(Example<Label> example) {
        return scaling.apply(DenseFeatures.forPrediction(example, featureIDMap).values());
    }

    @Override
    public Prediction<Label> predict(Example<Label> example) {
        return predictAll(List.of(example)).get(0);
    }

    @Override
    protected List<Prediction<Label>> innerPredict(Iterable<Example<Label>> examples) {
        List<Example<Label>> list = new ArrayList<>();
        examples.forEach(list::add);
        return list.isEmpty() ? List.of() : predictAll(list);
    }

    /** One forward pass over all the examples. */
    private List<Prediction<Label>> predictAll(List<Example<Label>> examples) {
        int n = examples.size(), f = scaling.features(), k = outputIDInfo.size();
        float[] x = new float[n * f];
        int[] used = new int[n];
        for (int i = 0; i < n; i++) {
            DenseFeatures d = DenseFeatures.forPrediction(examples.get(i), featureIDMap);
            System.arraycopy(scaling.apply(d.values()), 0, x, i * f, f);
            used[i] = d.used();
        }
        float[] logits;
        try (Scope s = Scope.open()) {
            Module net = network.build(backend());
            logits = net.forward(Variable.constant(Tensor.of(backend(), x, n, 1, 1, f))).value().toFloatArray();
        }
        List<Prediction<Label>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] p = softmax(logits, i * k, k);
            Map<String, Label> scores = new LinkedHashMap<>();
            Label best = null;
            for (int c = 0; c < k; c++) {
                Label l = new Label(outputIDInfo.getOutput(c).getLabel(), p[c]);
                scores.put(l.getLabel(), l);
                if (best == null || p[c] > best.getScore()) best = l;
            }
            out.add(new Prediction<>(best, scores, used[i], examples.get(i), true));
        }
        return out;
    }

    private static double[] softmax(float[] z, int from, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) max = Math.max(max, z[from + c]);
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) sum += p[c] = Math.exp(z[from + c] - max);
        for (int c = 0; c < k; c++) p[c] /= sum;
        return p;
    }

    /** A network has no per-feature weights to rank: empty, as Tribuo's contract allows. */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Collections.emptyMap();
    }

    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected LipRegModel copy(String newName, ModelProvenance newProvenance) {
        return new LipRegModel(newName, newProvenance, featureIDMap, outputIDInfo, scaling, network, backendName);
    }

    @Override
    public org.tribuo.protos.core.ModelProto serialize() {
        return LipRegModelProtos.serialize(this, createDataCarrier());
    }

    /**
     * Tribuo's protobuf entry point (found by reflection from {@link Model#deserialize}).
     *
     * @param version   the serialized version
     * @param className the class name Tribuo recorded
     * @param message   the serialized model
     * @return the model
     * @throws com.google.protobuf.InvalidProtocolBufferException when {@code message} is not a LipReg model
     */
    public static LipRegModel deserializeFromProto(int version, String className, com.google.protobuf.Any message)
            throws com.google.protobuf.InvalidProtocolBufferException {
        return LipRegModelProtos.deserialize(version, className, message);
    }

    @Override
    public OnnxMl.ModelProto exportONNXModel(String domain, long modelVersion) {
        ONNXContext onnx = new ONNXContext();
        onnx.setName("LipReg-" + network.spec().name());
        ONNXPlaceholder input = onnx.floatInput("input", featureIDMap.size());
        ONNXPlaceholder output = onnx.floatOutput("output", outputIDInfo.size());
        writeONNXGraph(input).assignTo(output);
        return ONNXExportable.buildModel(onnx, domain, modelVersion, this);
    }

    @Override
    public ONNXNode writeONNXGraph(ONNXRef<?> input) {
        return OnnxGraph.write(input, scaling, network);
    }
}
