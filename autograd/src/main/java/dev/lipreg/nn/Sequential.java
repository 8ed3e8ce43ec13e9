package dev.lipreg.nn;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied in order, named "0", "1", ... like PyTorch's nn.Sequential. One
 * rewrite: a ReLU right before a max pooling runs after it, which computes the same
 * output and gradients on a quarter of the elements (see {@code plan}); the layers,
 * their names and what is saved or exported stay as written.
 */
public final class Sequential extends Module {
    private final List<Module> layers;
    /** The layers as run: {@link #layers} with each ReLU that feeds a max pooling moved after it. */
    private final List<Module> plan;

    /**
     * The layers in order, registered as children "0", "1", ….
     *
     * @param layers the layers
     */
    public Sequential(List<? extends Module> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) registerModule(Integer.toString(i), this.layers.get(i));
        this.plan = plan(this.layers);
    }

    /**
     * max-pool(ReLU(x)) = ReLU(max-pool(x)), so the ReLU can run on the pooled tensor, a
     * quarter of the elements for nn.MaxPool2d(2), in the forward pass and in every
     * backward. The gradient is the same: where ReLU ties a window's elements (all
     * ≤ 0) the pooling picks another position, but ReLU'(0) = 0 makes it zero
     * either way; elsewhere both orders pick the same first maximum. Only the sign
     * of a zero gradient can differ. Other activations are left in place: rounding
     * can tie values a strictly increasing function keeps apart.
     */
    private static List<Module> plan(List<Module> layers) {
        List<Module> plan = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (m instanceof Activation a && a.kind() == Activation.Kind.RELU && i + 1 < layers.size()
                    && layers.get(i + 1) instanceof MaxPool2d pool) {
                plan.add(new PoolThenRelu(pool, a));
                i++;
            } else {
                plan.add(m);
            }
        }
        return List.copyOf(plan);
    }

    /** A ReLU and the max pooling after it, run in the other order (see {@link #plan}); owns nothing. */
    private static final class PoolThenRelu extends Module {
        private final MaxPool2d pool;
        private final Activation relu;

        PoolThenRelu(MaxPool2d pool, Activation relu) {
            this.pool = pool;
            this.relu = relu;
        }

        @Override
        public Variable forward(Variable x) {
            return relu.forward(pool.forward(x));
        }

        @Override
        public String describe() {
            return relu.describe() + " + " + pool.describe();
        }
    }

    /**
     * The layers in order.
     *
     * @param layers the layers
     * @return the network
     */
    public static Sequential of(Module... layers) {
        return new Sequential(List.of(layers));
    }

    /** {@return the layers, in order} */
    public List<Module> layers() {
        return layers;
    }

    @Override
    public Variable forward(Variable x) {
        if (GradMode.isEnabled() || !Scope.isActive()) {
            Variable h = x;
            for (Module m : plan) h = m.forward(h);
            return h;
        }
        return forwardUnrecorded(x, Scope.current());
    }

    /**
     * Without a graph nothing refers to a layer's temporaries once it returns, nor to
     * its output once the next layer has consumed it: both go back to the scope at
     * once, so an inference forward holds about two activations instead of every
     * tensor of the network (an evaluation batch of 500 through resnext34-2x32 held
     * 6.7 GB). A layer's result that it did not make in this call (its input passed
     * through, a view of it) is left alone, and so is the caller's input.
     */
    private Variable forwardUnrecorded(Variable x, Scope scope) {
        Variable h = x;
        boolean hMadeHere = false;
        for (Module m : plan) {
            Scope.Tracker made = scope.track();
            Variable out;
            boolean outMadeHere;
            try {
                out = m.forward(h);
                outMadeHere = made.allocatedHere(out.value());
            } catch (RuntimeException | Error e) {
                made.close();
                throw e;
            }
            made.releaseAllBut(List.of(out.value()));
            if (hMadeHere && !sameMemory(h.value(), out.value())) scope.release(h.value());
            h = out;
            hMadeHere = outMadeHere;
        }
        return h;
    }

    private static boolean sameMemory(Tensor a, Tensor b) {
        return a.device().isHost() && b.device().isHost() ? a.storage().address() == b.storage().address() : a == b;
    }

    @Override
    public String describe() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) lines.add("  (" + i + ") " + layers.get(i).describe().replace("\n", "\n  "));
        return "Sequential(\n" + String.join("\n", lines) + "\n)";
    }
}
