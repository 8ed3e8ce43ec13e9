package consumer;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.LayerSpec;
import dev.lipreg.nn.ModelSpec;
import dev.lipreg.nn.Module;
import dev.lipreg.regularizers.RobustObjective;
import dev.lipreg.regularizers.StepValues;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.List;

/** Picks the backend as a user would and takes the gradient of the paper's penalized objective (double backprop) on it. */
public final class Main {
    public static void main(String[] args) {
        Backend backend = Backends.auto();
        try (Scope scope = Scope.open()) {
            Module model = new ModelSpec("tiny", new int[]{1, 4, 4}, 3, List.of(
                    LayerSpec.of("normalize", "mean", new double[]{0.5}, "std", new double[]{0.25}),
                    LayerSpec.of("conv2d", "in", 1, "out", 2, "kernel", 3, "padding", 1), LayerSpec.of("softplus"),
                    LayerSpec.of("flatten"), LayerSpec.of("linear", "in", 32, "out", 3))).build(new Init(backend, 1));
            float[] pixels = new float[2 * 16];
            for (int i = 0; i < pixels.length; i++) pixels[i] = (i % 7) / 6f;
            Tensor x = backend.fromArray(pixels, Shape.of(2, 1, 4, 4));
            Tensor y = backend.fromArray(new long[]{0, 2}, Shape.of(2));
            StepValues v = RobustObjective.paper(0.1, 0.01, Norm.LINF).evaluate(model, x, y);
            Autograd.backward(v.total());
            double g = model.parameters().values().stream().mapToDouble(p -> p.grad().toDoubleArray()[0]).sum();
            System.out.println("backend=" + backend.name() + " module=" + Backends.class.getModule().getName()
                    + " named=" + Main.class.getModule().isNamed() + " objective finite=" + Double.isFinite(v.total().item())
                    + " gradient finite=" + Double.isFinite(g));
        }
    }
}
