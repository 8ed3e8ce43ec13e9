package dev.lipreg.attacks;

import dev.lipreg.nn.Activation;
import dev.lipreg.nn.Conv2d;
import dev.lipreg.nn.Flatten;
import dev.lipreg.nn.Init;
import dev.lipreg.nn.Linear;
import dev.lipreg.nn.MaxPool2d;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Sequential;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/** Small seeded models and images shared by the attack and evaluation tests (reference backend, float64). */
public final class TestModels {
    public static final Backend REF = Backends.reference();

    private TestModels() {
    }

    public static Init init(long seed) {
        return new Init(REF, DType.FLOAT64, Init.Scheme.PYTORCH_DEFAULT, seed);
    }

    /**
     * A linear classifier on [N,1,4,4] images: flatten, Linear(16, classes), with
     * weights drawn in [-1,1] and biases putting every decision boundary through
     * the centre of the box, so boundaries near interior images are reachable
     * without clipping.
     */
    public static Sequential linear(int classes, long seed) {
        Linear lin = new Linear(init(seed), 16, classes);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] w = new double[classes * 16], b = new double[classes];
        for (int i = 0; i < w.length; i++) w[i] = rng.nextDouble(-1, 1);
        for (int c = 0; c < classes; c++) {
            double s = 0;
            for (int j = 0; j < 16; j++) s += w[c * 16 + j] * 0.5;
            b[c] = -s + rng.nextDouble(-0.05, 0.05);
        }
        lin.weight().assign(REF.fromArray(w, Shape.of(classes, 16)));
        lin.bias().assign(REF.fromArray(b, Shape.of(classes)));
        Sequential m = Sequential.of(new Flatten(), lin);
        m.eval();
        return m;
    }

    /** Images [n,1,4,4] uniform in [0.5 − r, 0.5 + r]. */
    public static Tensor centeredImages(int n, double r, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[n * 16];
        for (int i = 0; i < v.length; i++) v[i] = 0.5 + rng.nextDouble(-r, r);
        return REF.fromArray(v, Shape.of(n, 1, 4, 4));
    }

    /** Images [n, c, h, w] uniform in [0,1]. */
    public static Tensor uniformImages(int n, int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[n * c * h * w];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble();
        return REF.fromArray(v, Shape.of(n, c, h, w));
    }

    /** Images [n, c, h, w]: image i is uniform noise of width 0.5 on a brightness level i/(2n), so predictions vary. */
    public static Tensor variedImages(int n, int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int size = c * h * w;
        double[] v = new double[n * size];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < size; j++) v[i * size + j] = (double) i / (2 * n) + 0.5 * rng.nextDouble();
        }
        return REF.fromArray(v, Shape.of(n, c, h, w));
    }

    /**
     * A small random CNN on [N,1,8,8]: conv 1→4 3x3 p1, ReLU, maxpool 2, conv 4→6 3x3 s2 p1, tanh, flatten,
     * linear 24→classes. He-initialized, with the classifier's bias removed and its weights scaled ×10, so
     * predictions vary from image to image (a default-initialized net predicts one class everywhere).
     */
    public static Sequential smallCnn(int classes, long seed) {
        return smallCnnOn(REF, DType.FLOAT64, classes, seed);
    }

    public static Sequential smallCnnOn(Backend backend, DType dtype, int classes, long seed) {
        Init init = new Init(backend, dtype, Init.Scheme.KAIMING_NORMAL, seed);
        Linear head = new Linear(init, 24, classes);
        Sequential m = Sequential.of(new Conv2d(init, 1, 4, 3, 1, 1), Activation.relu(), new MaxPool2d(2),
                new Conv2d(init, 4, 6, 3, 2, 1), Activation.tanh(), new Flatten(), head);
        head.weight().assign(backend.affine(head.weight().value(), 10, 0));
        head.bias().assign(backend.full(head.bias().shape(), dtype, 0));
        m.eval();
        return m;
    }

    /** The model's own predictions as labels, so every image starts correctly classified. */
    public static Tensor predictedLabels(Module model, Tensor x) {
        return Tensor.ofLabels(x.backend(), PerImage.argmax(PerImage.logits(model, x)));
    }

    /** For a 2-class model: w = W₁ − W₀ and b = b₁ − b₀, so that f₁ − f₀ = w·x + b. */
    public static double[] marginWeights(Linear lin) {
        double[] w = lin.weight().value().toDoubleArray();
        double[] d = new double[16];
        for (int j = 0; j < 16; j++) d[j] = w[16 + j] - w[j];
        return d;
    }

    public static double marginBias(Linear lin) {
        double[] b = lin.bias().value().toDoubleArray();
        return b[1] - b[0];
    }
}
