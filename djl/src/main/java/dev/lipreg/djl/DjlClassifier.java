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
        Engine engine = manager.getEngine();
        requireGradients(engine);
        if (block == null) throw new IllegalArgumentException("block must not be null (a model that has been loaded or built)");
        if (!block.isInitialized()) throw new IllegalArgumentException("block " + name + " is not initialized: call block.initialize(...) or load the model first");
        this.function = new DjlFunction("djl:" + name, block, manager);
        this.engineName = engine.getEngineName();
        eval();
    }

    /**
     * The model's block, run with arrays from the model's manager.
     *
     * @param model a loaded DJL model
     * @return the classifier
     */
    public static DjlClassifier of(Model model) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        return new DjlClassifier(model.getName(), model.getBlock(), model.getNDManager());
    }

    /**
     * {@code block} run with arrays from {@code manager} (whose engine computes the gradients).
     *
     * @param name  a name for messages and {@code describe()}
     * @param block the DJL block computing logits from images
     * @param manager the manager whose engine runs the block and computes its gradients
     * @return the classifier
     */
    public static DjlClassifier of(String name, Block block, NDManager manager) {
        if (manager == null) throw new IllegalArgumentException("manager must not be null");
        return new DjlClassifier(name, block, manager);
    }

    /** Opens and closes a collector: engines without gradients refuse to make one. */
    private static void requireGradients(Engine engine) {
        try (GradientCollector probe = engine.newGradientCollector()) {
            // nothing to collect
        } catch (IllegalStateException busy) {
            // another collector is open (PyTorch allows one at a time): the engine does compute gradients
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
