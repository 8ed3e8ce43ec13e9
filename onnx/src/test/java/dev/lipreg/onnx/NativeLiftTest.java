package dev.lipreg.onnx;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chains convert to LipReg specs computing the same function; branching graphs are refused by node. */
class NativeLiftTest {
    @Test
    void tinyCnnBecomesALipRegModelWithTheSameLogits() {
        Backend backend = Backends.configured();
        try (Scope scope = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            OnnxModel m = OnnxModel.load(FixtureImportTest.fixtures().resolve("tiny_cnn.onnx"), backend);
            NativeModel nm = m.toNative();
            assertEquals("[conv2d, batchnorm2d, relu, maxpool2d, flatten, linear]",
                    nm.spec().layers().stream().map(l -> l.type()).toList().toString());
            assertEquals(3, nm.spec().classes());
            Sequential s = nm.build(backend);
            float[] x = new float[5 * 64];
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            Variable in = Variable.constant(backend.fromArray(x, Shape.of(5, 1, 8, 8)));
            double err = Oracles.scaledError(s.forward(in).value().toFloatArray(), m.forward(in).value().toFloatArray());
            assertTrue(err <= 1e-6, "native vs imported: " + err);
        }
    }

    /** LipReg's exports (residual blocks with projections and groups, a bottleneck, every other layer) convert back to the same layers. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fashion-cnn", "mlp", "resnet-small", "every-layer"})
    void exportsConvertBackToTheSameLayersAndFunction(String name) {
        Backend backend = Backends.configured();
        var spec = ExportTest.spec(name);
        try (Scope scope = Scope.open(); GradMode.Restore off = GradMode.disabled()) {
            var original = spec.build(new dev.lipreg.nn.Init(backend, dev.lipreg.tensor.DType.FLOAT32, dev.lipreg.nn.Init.Scheme.PYTORCH_DEFAULT, 4));
            ExportTest.randomizeStatistics(original, 5);
            original.eval();
            OnnxModel m = OnnxModel.load(name + ".onnx", OnnxExport.build(original, spec.input()).toByteArray(), backend, null);
            NativeModel nm = m.toNative();
            assertEquals(spec.layers().stream().map(l -> l.type()).filter(t -> !t.equals("dropout")).toList(),
                    nm.spec().layers().stream().map(l -> l.type()).toList());
            int[] d = spec.input();
            float[] x = new float[4 * d[0] * d[1] * d[2]];
            SplittableRandom rng = new SplittableRandom(2);
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
            Variable in = Variable.constant(backend.fromArray(x, Shape.of(4, d[0], d[1], d[2])));
            double err = Oracles.scaledError(nm.build(backend).forward(in).value().toFloatArray(), original.forward(in).value().toFloatArray());
            assertTrue(err <= 1e-6, name + ": converted vs original " + err);
        }
    }

    @Test
    void branchesAreRefusedByNode() {
        try (Scope scope = Scope.open()) {
            var b = MalformedFileTest.valid();
            // y = Relu(h) + h: a branch
            b.getGraphBuilder().addNode(dev.lipreg.onnx.gen.OnnxProto.NodeProto.newBuilder().setOpType("Add").setName("join")
                    .addInput("y").addInput("h").addOutput("z"));
            b.getGraphBuilder().setOutput(0, dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto.newBuilder().setName("z"));
            b.getGraphBuilder().setInput(0, MalformedFileTest.input("x", -1, 2, 1, 1));
            b.getGraphBuilder().getNodeBuilder(0).setOpType("Flatten").clearInput().addInput("x").clearAttribute();
            b.getGraphBuilder().addNode(1, dev.lipreg.onnx.gen.OnnxProto.NodeProto.newBuilder().setOpType("Gemm").addInput("f").addInput("w")
                    .addInput("b").addOutput("h").addAttribute(dev.lipreg.onnx.gen.OnnxProto.AttributeProto.newBuilder().setName("transB")
                            .setType(dev.lipreg.onnx.gen.OnnxProto.AttributeProto.AttributeType.INT).setI(1)));
            b.getGraphBuilder().getNodeBuilder(0).setOutput(0, "f");
            OnnxModel m = OnnxModel.load("branch.onnx", b.build().toByteArray(), Backends.reference(), null);
            OnnxException e = assertThrows(OnnxException.class, m::toNative);
            assertTrue(e.getMessage().contains("'join' (Add)"), e.getMessage());
        }
    }
}
