package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Tensor;

/** Argument checks shared by attacks and evaluators; each message names the argument and what was expected. */
public final class Inputs {
    private Inputs() {
    }

    /**
     * A threat model the attacks implement: ℓ2 or ℓ∞.
     *
     * @param norm the norm
     * @return {@code norm}
     */
    public static Norm checkThreatNorm(Norm norm) {
        if (norm == null) throw new IllegalArgumentException("norm must not be null");
        if (norm == Norm.L1) throw new IllegalArgumentException("the attacks bound perturbations in l2 or linf, not l1");
        return norm;
    }

    /**
     * A floating batch [N, ...] with N ≥ 1, no NaN, every value in [0,1].
     *
     * @param images the batch
     * @param name   its name in messages
     */
    public static void checkImages(Tensor images, String name) {
        if (images == null) throw new IllegalArgumentException(name + " must not be null");
        if (!images.dtype().isFloating()) throw new IllegalArgumentException(name + " must be FLOAT32 or FLOAT64, got " + images.dtype());
        if (images.rank() < 2 || images.dim(0) < 1) {
            throw new IllegalArgumentException(name + " must be a non-empty batch [N, ...] of rank >= 2, got " + images.shape());
        }
        Backend k = images.backend();
        double sum = k.reduce(ReduceOp.SUM, images, new int[0], false).item();
        if (Double.isNaN(sum)) throw new IllegalArgumentException(name + " contain NaN (or both +inf and -inf)");
        double min = k.reduce(ReduceOp.MIN, images, new int[0], false).item();
        double max = k.reduce(ReduceOp.MAX, images, new int[0], false).item();
        if (min < 0 || max > 1) {
            throw new IllegalArgumentException(name + " must have values in [0,1], got values in [" + min + ", " + max + "]");
        }
    }

    /**
     * Integer labels [N].
     *
     * @param labels the labels
     * @param n      the batch size
     * @param name   their name in messages
     */
    public static void checkLabels(Tensor labels, int n, String name) {
        if (labels == null) throw new IllegalArgumentException(name + " must not be null");
        if (labels.dtype().isFloating() || labels.rank() != 1 || labels.dim(0) != n) {
            throw new IllegalArgumentException(name + " must be integer [" + n + "] (one per image), got " + labels.dtype() + labels.shape());
        }
    }

    /**
     * The labels as ints, each checked to lie in [0, classes).
     *
     * @param labels  the labels
     * @param classes the class count
     * @param name    their name in messages
     * @return the labels
     */
    public static int[] labelsInRange(Tensor labels, int classes, String name) {
        long[] l = labels.toLongArray();
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= classes) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + l[i] + ", expected a class in [0, " + classes + ")");
            }
            r[i] = (int) l[i];
        }
        return r;
    }

    /**
     * The model is in evaluation mode and its parameters share the images' backend and dtype.
     *
     * @param model  the model
     * @param images the batch
     */
    public static void checkModel(Module model, Tensor images) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        if (model.isTraining()) {
            throw new IllegalArgumentException("model is in training mode (batch norm would use batch statistics, dropout random masks); "
                    + "call model.eval() before attacking or evaluating it");
        }
        for (var e : model.parameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.backend() != images.backend() || p.dtype() != images.dtype()) {
                throw new IllegalArgumentException("images are " + images.dtype() + " on backend " + images.backend().name()
                        + " but parameter " + e.getKey() + " is " + p.dtype() + " on " + p.backend().name());
            }
            break; // parameters are created together: one is representative
        }
    }

    /**
     * A finite budget ≥ 0.
     *
     * @param eps  the budget
     * @param name its name in messages
     * @return {@code eps}
     */
    public static double checkEpsilon(double eps, String name) {
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException(name + " must be finite and >= 0, got " + eps);
        return eps;
    }

    /**
     * One finite budget ≥ 0 per image.
     *
     * @param eps the budgets
     * @param n   the batch size
     * @return {@code eps}
     */
    public static double[] checkEpsilons(double[] eps, int n) {
        if (eps == null || eps.length != n) {
            throw new IllegalArgumentException("epsilons must hold one budget per image (" + n + "), got "
                    + (eps == null ? "null" : eps.length + " values"));
        }
        for (int i = 0; i < n; i++) checkEpsilon(eps[i], "epsilons[" + i + "]");
        return eps;
    }

    /**
     * An integer ≥ 1.
     *
     * @param v    the value
     * @param name its name in messages
     * @return {@code v}
     */
    public static int checkPositive(int v, String name) {
        if (v < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        return v;
    }

    /**
     * An integer ≥ 0.
     *
     * @param v    the value
     * @param name its name in messages
     * @return {@code v}
     */
    public static int checkNonNegative(int v, String name) {
        if (v < 0) throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        return v;
    }

    /**
     * A finite number &gt; 0.
     *
     * @param v    the value
     * @param name its name in messages
     * @return {@code v}
     */
    public static double checkPositive(double v, String name) {
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        return v;
    }

    /**
     * A finite number ≥ 0.
     *
     * @param v    the value
     * @param name its name in messages
     * @return {@code v}
     */
    public static double checkNonNegative(double v, String name) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        return v;
    }
}
