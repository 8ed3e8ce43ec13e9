package consumer;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/** Picks the backend as a user would and runs one native op on it. */
public final class Main {
    public static void main(String[] args) {
        Backend backend = Backends.auto();
        try (Scope scope = Scope.open()) {
            Tensor x = backend.fromArray(new float[]{1, 2, 3, 4}, Shape.of(2, 2));
            Tensor y = backend.matmul(x, x, false, false);
            System.out.println("backend=" + backend.name() + " module=" + Backends.class.getModule().getName()
                    + " named=" + Main.class.getModule().isNamed() + " x*x=" + Arrays.toString(y.toFloatArray()));
        }
    }
}
