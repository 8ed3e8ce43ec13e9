package dev.lipreg.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.lipreg.autograd.CustomOp;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A DJL block as a LipReg {@link CustomOp}: the forward runs the block in
 * inference mode; the vector–Jacobian product runs it again under DJL's
 * {@link GradientCollector} and back-propagates ⟨gradOutput, output⟩ to the
 * input. DJL offers no gradient of that backward, so {@link #secondOrder()} is
 * null and LipReg refuses to differentiate through it. Not thread-safe: the
 * backward switches the block's parameters off gradient collection while it runs.
 */
final class DjlFunction implements CustomOp {
    private final String name;
    private final Block block;
    private final NDManager manager;
    private final Engine engine;

    DjlFunction(String name, Block block, NDManager manager) {
        this.name = name;
        this.block = block;
        this.manager = manager;
        this.engine = manager.getEngine();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tensor forward(List<Tensor> inputs) {
        Tensor x = inputs.getFirst();
        try (NDManager call = manager.newSubManager()) {
            NDArray out = run(call, Conversions.toNd(x, call));
            return Conversions.toTensor(out, x.backend(), x.dtype());
        }
    }

    @Override
    public Tensor[] backward(List<Tensor> inputs, Tensor output, Tensor gradOutput, boolean[] needed) {
        if (!needed[0]) return new Tensor[]{null};
        Tensor x = inputs.getFirst();
        List<NDArray> frozen = freezeParameters();
        try (NDManager call = manager.newSubManager()) {
            NDArray xs = Conversions.toNd(x, call);
            NDArray g = Conversions.toNd(gradOutput, call);
            xs.setRequiresGradient(true);
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray out = run(call, xs);
                collector.backward(out.mul(g).sum());
            }
            NDArray gx = xs.getGradient();
            if (!allFinite(gx) && allFinite(xs) && allFinite(g)) {
                throw new ArithmeticException(name + ": DJL returned an input gradient with NaN or infinite entries for finite inputs "
                        + "(seen intermittently from libtorch 2.7.1's CPU convolution backward, see docs/djl.md)");
            }
            return new Tensor[]{Conversions.toTensor(gx, x.backend(), x.dtype())};
        } finally {
            frozen.forEach(p -> p.setRequiresGradient(true));
        }
    }

    /**
     * Stops the block's parameters from collecting gradients during an input
     * gradient, and returns those to re-enable. Otherwise every attack step would
     * add into the parameters' gradients (a side effect on the user's training)
     * and pay for weight gradients nobody reads.
     */
    private List<NDArray> freezeParameters() {
        List<NDArray> frozen = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            if (!p.isInitialized()) continue;
            NDArray a = p.getArray();
            if (a.hasGradient()) {
                a.setRequiresGradient(false);
                frozen.add(a);
            }
        }
        return frozen;
    }

    private static boolean allFinite(NDArray a) {
        for (float v : a.toFloatArray()) if (!Float.isFinite(v)) return false;
        return true;
    }

    /** The block's single output for {@code x}, in inference mode (batch norm uses its running statistics, no dropout). */
    private NDArray run(NDManager call, NDArray x) {
        NDList out = block.forward(new ParameterStore(call, false), new NDList(x), false);
        if (out.size() != 1) throw new IllegalStateException(name + ": expected the block to return one array (the logits), got " + out.size());
        return out.singletonOrThrow();
    }
}
