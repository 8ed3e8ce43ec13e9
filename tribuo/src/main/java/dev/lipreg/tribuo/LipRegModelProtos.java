package dev.lipreg.tribuo;

import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.impl.ModelDataCarrier;
import org.tribuo.protos.core.ModelDataProto;
import org.tribuo.protos.core.ModelProto;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Tribuo protobuf form of a {@link LipRegModel}: a {@code ModelProto} whose
 * {@code serialized_data} packs a {@code dev.lipreg.tribuo.LipRegModelProto}
 * <pre>
 * message TensorProto { string name = 1; repeated int32 shape = 2; repeated float values = 3; }
 * message LipRegModelProto {
 *   bytes metadata = 1;              // Tribuo's ModelDataProto: name, provenance, feature and label domains
 *   string spec_json = 2;            // the network's ModelSpec
 *   repeated double feature_min = 3;
 *   repeated double feature_max = 4;
 *   repeated TensorProto tensors = 5; // parameters and buffers, state_dict order
 *   string backend = 6;
 * }
 * </pre>
 * The schema is built at run time as a protobuf descriptor, so no generated
 * code (and no protoc) is needed; readers in other languages can compile the
 * text above.
 */
final class LipRegModelProtos {
    private static final Descriptor TENSOR;
    private static final Descriptor MODEL;

    static {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("dev/lipreg/tribuo/lipreg_model.proto")
                .setPackage("dev.lipreg.tribuo")
                .setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("TensorProto")
                        .addField(field("name", 1, FieldDescriptorProto.Type.TYPE_STRING, false))
                        .addField(field("shape", 2, FieldDescriptorProto.Type.TYPE_INT32, true))
                        .addField(field("values", 3, FieldDescriptorProto.Type.TYPE_FLOAT, true)))
                .addMessageType(DescriptorProto.newBuilder().setName("LipRegModelProto")
                        .addField(field("metadata", 1, FieldDescriptorProto.Type.TYPE_BYTES, false))
                        .addField(field("spec_json", 2, FieldDescriptorProto.Type.TYPE_STRING, false))
                        .addField(field("feature_min", 3, FieldDescriptorProto.Type.TYPE_DOUBLE, true))
                        .addField(field("feature_max", 4, FieldDescriptorProto.Type.TYPE_DOUBLE, true))
                        .addField(field("tensors", 5, FieldDescriptorProto.Type.TYPE_MESSAGE, true).setTypeName(".dev.lipreg.tribuo.TensorProto"))
                        .addField(field("backend", 6, FieldDescriptorProto.Type.TYPE_STRING, false)))
                .build();
        try {
            Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
            TENSOR = fd.findMessageTypeByName("TensorProto");
            MODEL = fd.findMessageTypeByName("LipRegModelProto");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LipRegModelProtos() {
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type, boolean repeated) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? FieldDescriptorProto.Label.LABEL_REPEATED : FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }

    private static FieldDescriptor f(Descriptor d, String name) {
        return d.findFieldByName(name);
    }

    static ModelProto serialize(LipRegModel model, ModelDataCarrier<Label> carrier) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(MODEL)
                .setField(f(MODEL, "metadata"), carrier.serialize().toByteString())
                .setField(f(MODEL, "spec_json"), model.network().specJson())
                .setField(f(MODEL, "backend"), model.backendName());
        for (double v : model.featureScaling().min()) b.addRepeatedField(f(MODEL, "feature_min"), v);
        for (double v : model.featureScaling().max()) b.addRepeatedField(f(MODEL, "feature_max"), v);
        model.network().shapes().forEach((name, shape) -> {
            DynamicMessage.Builder t = DynamicMessage.newBuilder(TENSOR).setField(f(TENSOR, "name"), name);
            for (int d : shape) t.addRepeatedField(f(TENSOR, "shape"), d);
            for (float v : model.network().values(name)) t.addRepeatedField(f(TENSOR, "values"), v);
            b.addRepeatedField(f(MODEL, "tensors"), t.build());
        });
        return ModelProto.newBuilder()
                .setVersion(LipRegModel.CURRENT_VERSION)
                .setClassName(LipRegModel.class.getName())
                .setSerializedData(Any.pack(b.build()))
                .build();
    }

    static LipRegModel deserialize(int version, String className, Any message) throws InvalidProtocolBufferException {
        if (version < 0 || version > LipRegModel.CURRENT_VERSION) {
            throw new IllegalArgumentException("Unknown version " + version + ", " + className + " supports at most version " + LipRegModel.CURRENT_VERSION);
        }
        String expected = "type.googleapis.com/" + MODEL.getFullName();
        if (!message.getTypeUrl().equals(expected)) {
            throw new InvalidProtocolBufferException("expected a packed " + MODEL.getFullName() + ", found type " + message.getTypeUrl());
        }
        DynamicMessage m = DynamicMessage.parseFrom(MODEL, message.getValue());
        ModelDataCarrier<?> carrier = ModelDataCarrier.deserialize(ModelDataProto.parseFrom((com.google.protobuf.ByteString) m.getField(f(MODEL, "metadata"))));
        if (!(carrier.outputDomain().getOutput(0) instanceof Label)) {
            throw new IllegalStateException("Invalid protobuf, output domain is not a label domain, found " + carrier.outputDomain().getClass());
        }
        @SuppressWarnings("unchecked") // checked above
        ImmutableOutputInfo<Label> labels = (ImmutableOutputInfo<Label>) carrier.outputDomain();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Object o : (List<?>) m.getField(f(MODEL, "tensors"))) {
            DynamicMessage t = (DynamicMessage) o;
            String name = (String) t.getField(f(TENSOR, "name"));
            shapes.put(name, ((List<?>) t.getField(f(TENSOR, "shape"))).stream().mapToInt(x -> (Integer) x).toArray());
            List<?> vs = (List<?>) t.getField(f(TENSOR, "values"));
            float[] v = new float[vs.size()];
            for (int i = 0; i < v.length; i++) v[i] = (Float) vs.get(i);
            values.put(name, v);
        }
        FeatureScaling scaling = new FeatureScaling(doubles(m, "feature_min"), doubles(m, "feature_max"));
        NetworkState network = new NetworkState((String) m.getField(f(MODEL, "spec_json")), shapes, values);
        return new LipRegModel(carrier.name(), carrier.provenance(), carrier.featureDomain(), labels, scaling, network,
                (String) m.getField(f(MODEL, "backend")));
    }

    private static double[] doubles(DynamicMessage m, String field) {
        return ((List<?>) m.getField(f(MODEL, field))).stream().mapToDouble(x -> (Double) x).toArray();
    }
}
