package dev.lipreg.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Module;

/**
 * A DJL classifier — a {@link Block} mapping images [N, C, H, W] to logits
 * [N, K] on an engine with gradients (PyTorch) — as a LipReg {@link Module}, so
 * LipReg's attacks, robustness evaluation, gradient-norm statistics and
 * detector run on it unchanged. The forward runs DJL; input gradients come from
 * DJL's first-order autograd. Features that differentiate an input gradient
 * again (the exact penalties, detector-aware attacks' double backprop) fail
 * with an {@link UnsupportedOperationException}: DJL has no second-order
 * gradients to offer.
 *
 * <p>The block always runs in inference mode; the module is created in
 * evaluation mode and stays there. It has no LipReg parameters: its weights
 * stay in DJL. Inputs may be FLOAT32 or FLOAT64 on any LipReg backend; DJL
 * computes in float32 and outputs come back in the input's type.
 */
public final class DjlClassifier extends Module {
    private final DjlFunction function;
    private final String engineName;

    private DjlClassifier(String name, Block block, NDManager manager) {
        if (block == null) throw new IllegalArgumentException("block must not be null (a model that has been loaded or built)");
        if (!block.isInitialized()) throw new IllegalArgumentException("block " + name + " is not initialized: call block.initialize(...) or load the model first");
        Engine engine = manager.getEngine();
        requireGradients(engine);
        this.function = new DjlFunction("djl:" + name, block, manager);
        this.engineName = engine.getEngineName();
        eval();
    }

    /** The model's block, run with arrays from the model's manager. */
    public static DjlClassifier of(Model model) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        return new DjlClassifier(model.getName(), model.getBlock(), model.getNDManager());
    }

    /** {@code block} run with arrays from {@code manager} (whose engine computes the gradients). */
    public static DjlClassifier of(String name, Block block, NDManager manager) {
        if (manager == null) throw new IllegalArgumentException("manager must not be null");
        return new DjlClassifier(name, block, manager);
    }

    private static void requireGradients(Engine engine) {
        try (GradientCollector probe = engine.newGradientCollector()) {
            probe.zeroGradients();
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("engine " + engine.getEngineName() + " computes no gradients; DjlClassifier needs one that does, such as PyTorch", e);
        }
    }

    @Override
    public Variable forward(Variable x) {
        if (isTraining()) throw new IllegalStateException(describe() + " runs DJL in inference mode only; call eval()");
        return function.apply(x);
    }

    @Override
    public String describe() {
        return "DjlClassifier(" + function.name().substring("djl:".length()) + ", engine " + engineName + ")";
    }
}
