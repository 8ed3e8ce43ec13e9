package dev.lipreg.nn;

import dev.lipreg.autograd.Variable;

import java.util.ArrayList;
import java.util.List;

/** Modules applied in order, named "0", "1", ... like PyTorch's nn.Sequential. */
public final class Sequential extends Module {
    private final List<Module> layers;

    /**
     * The layers in order, registered as children "0", "1", ….
     *
     * @param layers the layers
     */
    public Sequential(List<? extends Module> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) registerModule(Integer.toString(i), this.layers.get(i));
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
        Variable h = x;
        for (Module m : layers) h = m.forward(h);
        return h;
    }

    @Override
    public String describe() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) lines.add("  (" + i + ") " + layers.get(i).describe().replace("\n", "\n  "));
        return "Sequential(\n" + String.join("\n", lines) + "\n)";
    }
}
