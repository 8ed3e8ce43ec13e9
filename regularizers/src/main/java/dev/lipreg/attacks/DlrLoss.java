package dev.lipreg.attacks;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/**
 * Croce and Hein's difference-of-logits-ratio loss, to be maximized; invariant
 * to shifting and scaling the logits, so it does not stall where cross-entropy
 * saturates. With π the classes sorted by logit (descending):
 * <ul>
 *   <li>untargeted: −(z_y − max_{k≠y} z_k) / (z_π1 − z_π3);</li>
 *   <li>targeted at t (the labels passed in are targets; the true labels are fixed
 *       at construction): −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2).</li>
 * </ul>
 * The sorting is read off the current logits; the gradient flows through the
 * selected logits. With fewer than 4 classes the missing ranks use the last class.
 */
public final class DlrLoss implements Loss {
    private static final double TINY = 1e-12;
    private final Tensor trueLabels;

    private DlrLoss(Tensor trueLabels) {
        this.trueLabels = trueLabels;
    }

    /** {@return the untargeted DLR loss (Croce &amp; Hein)} */
    public static DlrLoss untargeted() {
        return new DlrLoss(null);
    }

    /**
     * Targeted DLR for images whose true labels are {@code trueLabels}.
     *
     * @param trueLabels the true labels [N]
     * @return the loss
     */
    public static DlrLoss targeted(Tensor trueLabels) {
        if (trueLabels == null) throw new IllegalArgumentException("trueLabels must not be null");
        return new DlrLoss(trueLabels);
    }

    @Override
    public Variable perExample(Variable logits, Tensor labels) {
        int n = logits.dim(0), classes = logits.dim(1);
        double[] z = logits.value().toDoubleArray();
        int[] first = new int[n], third = new int[n], fourth = new int[n];
        for (int i = 0; i < n; i++) {
            Integer[] order = new Integer[classes];
            for (int c = 0; c < classes; c++) order[c] = c;
            final int row = i;
            Arrays.sort(order, (a, b) -> Double.compare(z[row * classes + b], z[row * classes + a]));
            first[i] = order[0];
            third[i] = order[Math.min(2, classes - 1)];
            fourth[i] = order[Math.min(3, classes - 1)];
        }
        Variable zy = pick(logits, trueLabels == null ? labels : trueLabels);
        Variable top = pick(logits, Tensor.ofLabels(logits.backend(), first));
        Variable zThird = pick(logits, Tensor.ofLabels(logits.backend(), third));
        Variable numerator, denominator;
        if (trueLabels == null) {
            Variable oneHot = Ops.oneHot(labels, classes, logits);
            Variable others = Ops.max(Ops.sub(logits, Ops.scale(oneHot, 1e30)), false, 1);
            numerator = Ops.sub(zy, others);
            denominator = Ops.sub(top, zThird);
        } else {
            numerator = Ops.sub(zy, pick(logits, labels));
            Variable zFourth = pick(logits, Tensor.ofLabels(logits.backend(), fourth));
            denominator = Ops.sub(top, Ops.scale(Ops.add(zThird, zFourth), 0.5));
        }
        return Ops.scale(Ops.div(numerator, Ops.addScalar(denominator, TINY)), -1);
    }

    private static Variable pick(Variable logits, Tensor classes) {
        return Ops.sum(Ops.mul(Ops.oneHot(classes, logits.dim(1), logits), logits), false, 1);
    }

    @Override
    public String label() {
        return trueLabels == null ? "dlr" : "dlr-t";
    }
}
