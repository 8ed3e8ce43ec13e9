package dev.lipreg.onnx;

import com.google.protobuf.ByteString;
import dev.lipreg.onnx.gen.OnnxProto.AttributeProto;
import dev.lipreg.onnx.gen.OnnxProto.GraphProto;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.onnx.gen.OnnxProto.OperatorSetIdProto;
import dev.lipreg.onnx.gen.OnnxProto.StringStringEntryProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto;
import dev.lipreg.onnx.gen.OnnxProto.TypeProto;
import dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken, hostile and unsupported files: each is one clear OnnxException, never a crash, a hang or an OOM. */
class MalformedFileTest {
    private final Backend backend = Backends.reference();
    @TempDir
    Path dir;

    /** A valid model: input [N,2] → Gemm(w [3,2], b [3]) → Relu → output. */
    static ModelProto.Builder valid() {
        TensorProto w = floats("w", new float[]{1, 2, 3, 4, 5, 6}, 3, 2);
        TensorProto b = floats("b", new float[]{0.5f, -1, 0}, 3);
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addInitializer(w).addInitializer(b)
                .addInput(input("x", -1, 2))
                .addNode(NodeProto.newBuilder().setOpType("Gemm").addInput("x").addInput("w").addInput("b").addOutput("h")
                        .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)))
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("h").addOutput("y"))
                .addOutput(ValueInfoProto.newBuilder().setName("y"));
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g);
    }

    static TensorProto floats(String name, float[] v, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) t.addDims(d);
        for (float f : v) t.addFloatData(f);
        return t.build();
    }

    static ValueInfoProto input(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N") : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    private String fails(byte[] bytes) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (Scope s = Scope.open()) {
                OnnxException e = assertThrows(OnnxException.class, () -> OnnxModel.load("m.onnx", bytes, backend, dir));
                assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
                System.err.println("refused: " + e.getMessage());
                return e.getMessage();
            }
        });
    }

    private String fails(UnaryOperator<ModelProto.Builder> edit) {
        return fails(edit.apply(valid()).build().toByteArray());
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
    }

    @Test
    void theValidModelLoadsAndRuns() {
        try (Scope s = Scope.open()) {
            OnnxModel m = OnnxModel.load("m.onnx", valid().build().toByteArray(), backend, dir);
            float[] y = m.forward(Variable.constant(backend.fromArray(new float[]{1, -1, 0, 1}, Shape.of(2, 2)))).value().toFloatArray();
            // x·wᵀ + b, relu: [1·1-2+.5, 3-4-1, 5-6+0] = [-.5, -2, -1] → 0; [2+.5, 4-1, 6] 
            assertTrue(Arrays.equals(new float[]{0, 0, 0, 2.5f, 3, 6}, y), Arrays.toString(y));
        }
    }

    @Test
    void truncatedFilesAndGarbage() {
        byte[] ok = valid().build().toByteArray();
        for (int cut : new int[]{1, 5, ok.length / 3, ok.length / 2, ok.length - 1}) {
            String m = fails(Arrays.copyOf(ok, cut));
            contains(m, "m.onnx");
        }
        contains(fails(new byte[0]), "no graph");
        byte[] noise = new byte[4096];
        new java.util.Random(3).nextBytes(noise);
        fails(noise);
    }

    @Test
    void wrongWireTypes() {
        contains(fails(new byte[]{0x38, 0x01}), "ModelProto.graph has the wrong wire type");   // graph (field 7) sent as a varint
        contains(fails(new byte[]{0x0B, 0x0C}), "ModelProto.ir_version has the wrong wire type");  // ir_version as a group
        byte[] ok = valid().build().toByteArray();
        ModelProto.Builder nested = valid();
        nested.getGraphBuilder().getNodeBuilder(0).setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(4, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(3).build()).build());
        contains(fails(nested.build().toByteArray()), "NodeProto.op_type has the wrong wire type");    // op_type as a varint
        assertTrue(ok.length > 0);
        contains(fails(new byte[]{0x0F}), "not a valid ONNX model");        // wire type 7 does not exist
    }

    @Test
    void hugeDeclaredSizes() {
        // graph declared 2 GB long, then nothing
        contains(fails(new byte[]{0x3A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0x00}), "not a valid ONNX model");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(1L << 40).addDims(1L << 40)))), "initializer 'w'", "dimension 0");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(3).addDims(2).setRawData(ByteString.copyFrom(new byte[7]))))),
                "holds 7 bytes", "needs 24");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(-3).addDims(2)))), "dimension 0 is -3");
    }

    @Test
    void nanWeightsAreRefusedAtLoad() {
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0, floats("w", new float[]{1, 2, 3, Float.NaN, 5, 6}, 3, 2)))),
                "initializer 'w' holds NaN at element 3 of 6");
    }

    @Test
    void deeplyNestedGraphs() {
        // a subgraph in an attribute of a node of a subgraph ... 200 levels deep
        GraphProto g = GraphProto.newBuilder().setName("leaf").build();
        for (int i = 0; i < 200; i++) {
            g = GraphProto.newBuilder().addNode(NodeProto.newBuilder().setOpType("If")
                    .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(g))).build();
        }
        GraphProto nested = g;
        contains(fails(b -> b.setGraph(nested)), "not a valid ONNX model");
    }

    @Test
    void graphStructure() {
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1,
                NodeProto.newBuilder().setOpType("Relu").setName("r").addInput("nope").addOutput("y")))), "'r'", "reads 'nope'");
        // h = Relu(y), y = Relu(h): a cycle
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().clearNode()
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("a").addInput("y").addOutput("h"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("b").addInput("h").addOutput("y")))), "cycle", "'a'", "'b'");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().clearInput())), "one graph input");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setOutput(0, ValueInfoProto.newBuilder().setName("zz")))), "'zz'");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().addNode(
                NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("h")))), "produced twice");
    }

    @Test
    void unsupportedOpsAttributesAndTypes() {
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1,
                NodeProto.newBuilder().setOpType("LSTM").setName("rnn").addInput("h").addOutput("y")))), "'rnn'", "LSTM", "not supported", "Conv", "Gemm");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1, NodeProto.newBuilder().setOpType("Relu").setName("r")
                .addInput("h").addOutput("y").addAttribute(AttributeProto.newBuilder().setName("alpha").setF(1))))), "'r'", "attribute 'alpha'");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(11).addDims(3).addDims(2)))), "DOUBLE", "float32");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1, NodeProto.newBuilder().setOpType("Relu").setDomain("com.microsoft")
                .addInput("h").addOutput("y")))), "com.microsoft");
        contains(fails(b -> b.setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(7))), "opset 7", "11..22");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInput(0, input("x", -1, 2).toBuilder()
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(7))).build()))), "INT64", "FLOAT");
    }

    @Test
    void externalData() throws Exception {
        byte[] w = new byte[24];
        java.nio.ByteBuffer.wrap(w).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(new float[]{1, 2, 3, 4, 5, 6});
        Files.write(dir.resolve("weights.bin"), w);
        UnaryOperator<ModelProto.Builder> external = b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(3).addDims(2)
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))));
        Path file = dir.resolve("ext.onnx");
        Files.write(file, external.apply(valid()).build().toByteArray());
        try (Scope s = Scope.open()) {
            OnnxModel m = OnnxModel.load(file, backend);
            assertTrue(Arrays.equals(new float[]{1, 2, 3, 4, 5, 6}, m.parameters().get("w").value().toFloatArray()));
        }
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(3).addDims(2).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("../../etc/passwd"))))), "leaves the model's directory");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setInitializer(0,
                TensorProto.newBuilder().setName("w").setDataType(1).addDims(300).addDims(2).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))))), "has 24 bytes");
    }

    /** Names come from the file: a line break in one (found by fuzzing, in a node's domain) is escaped, not printed. */
    @Test
    void namesWithLineBreaksStayOnOneLine() {
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1, NodeProto.newBuilder().setOpType("Relu").setDomain("x\nstrides\u2028")
                .addInput("h").addOutput("y")))), "domain 'x\\u000astrides\\u2028' is not supported");
        contains(fails(b -> b.setGraph(b.getGraph().toBuilder().setNode(1, NodeProto.newBuilder().setOpType("Relu").setName("r")
                .addInput("h\r\n").addOutput("y")))), "reads 'h\\u000d\\u000a'");
    }

    /** Pads of 10^5 on an 8x8 image would need 10^11 floats: refused by size when the node runs, never allocated. */
    @Test
    void hugePadsAreRefusedBeforeAllocating() {
        AttributeProto hugePads = AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                .addAllInts(List.of(100_000L, 100_000L, 100_000L, 100_000L)).build();
        AttributeProto unitKernel = AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS)
                .addAllInts(List.of(1L, 1L)).build();
        TensorProto padsInput = TensorProto.newBuilder().setName("p").setDataType(7).addDims(8)
                .addAllInt64Data(List.of(0L, 0L, 100_000L, 100_000L, 0L, 0L, 100_000L, 100_000L)).build();
        List<GraphProto.Builder> graphs = List.of(
                GraphProto.newBuilder().addInitializer(padsInput).addNode(NodeProto.newBuilder().setOpType("Pad").setName("pad").addInput("x").addInput("p").addOutput("y")),
                GraphProto.newBuilder().addInitializer(floats("w", new float[]{1}, 1, 1, 1, 1))
                        .addNode(NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("x").addInput("w").addOutput("y").addAttribute(hugePads)),
                GraphProto.newBuilder().addNode(NodeProto.newBuilder().setOpType("MaxPool").setName("pool").addInput("x").addOutput("y")
                        .addAttribute(unitKernel).addAttribute(hugePads)));
        for (GraphProto.Builder g : graphs) {
            byte[] bytes = valid().setGraph(g.setName("g").addInput(input("x", -1, 1, 8, 8)).addOutput(ValueInfoProto.newBuilder().setName("y")))
                    .build().toByteArray();
            String m = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                try (Scope s = Scope.open()) {
                    OnnxModel model = OnnxModel.load("m.onnx", bytes, backend, dir);
                    return assertThrows(OnnxException.class,
                            () -> model.forward(Variable.constant(backend.fromArray(new float[128], Shape.of(2, 1, 8, 8))))).getMessage();
                }
            });
            contains(m, "m.onnx: node 0 '" + g.getNode(0).getName() + "'", "pads", "on input [2, 1, 8, 8]", "more than the 536870911 supported");
        }
    }

    @Test
    void badInputShapeAtRunTime() {
        try (Scope s = Scope.open()) {
            OnnxModel m = OnnxModel.load("m.onnx", valid().build().toByteArray(), backend, dir);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(Variable.constant(backend.fromArray(new float[6], Shape.of(2, 3)))));
            contains(e.getMessage(), "[N,2]", "[2, 3]");
        }
    }

}
