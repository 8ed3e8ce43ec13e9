package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/**
 * APGD-DLR targeted (AutoAttack's second attack): for each of the
 * {@code targets} classes ranked highest after the true one on the clean image,
 * APGD maximizing the targeted {@link DlrLoss} toward that class. Untargeted in
 * effect: an image counts as broken when any run misclassifies it, and the
 * first such adversarial is returned.
 *
 * @param norm    L2 or LINF
 * @param epsilon the budget
 * @param steps   the iterations per target class
 * @param targets how many of the highest-scoring other classes are tried
 * @param seed    the seed of the random starts
 */
public record ApgdTargeted(Norm norm, double epsilon, int steps, int targets, long seed) implements FixedBudgetAttack {

    /** Checks every setting. */
    public ApgdTargeted {
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
        Inputs.checkPositive(steps, "steps");
        Inputs.checkPositive(targets, "targets");
    }

    @Override
    public String name() {
        return "apgd-dlr-t-" + norm.label();
    }

    @Override
    public ApgdTargeted withEpsilon(double epsilon) {
        return new ApgdTargeted(norm, epsilon, steps, targets, seed);
    }

    @Override
    public boolean supportsTargeted() {
        return false;
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons) {
        Inputs.checkModel(model, images);
        Inputs.checkEpsilons(epsilons, images.dim(0));
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), images, labels, false)) {
            int n = images.dim(0);
            boolean[] found = f.initiallyAdversarial.clone();
            Tensor best = images.backend().copy(images);
            double[] z = PerImage.logits(model, images).toDoubleArray();
            int classes = f.classes;
            Apgd apgd = new Apgd(norm, epsilon, steps, 1, seed, DlrLoss.targeted(labels));
            for (int rank = 1; rank <= Math.min(targets, classes - 1) && !AttackFrame.all(found); rank++) {
                int[] target = new int[n];
                for (int i = 0; i < n; i++) target[i] = ranked(z, i, classes, f.classOf[i], rank);
                AttackResult r = apgd.runTargeted(model, images, Tensor.ofLabels(images.backend(), target), epsilons);
                f.keepNewlyFound(r.predictions(), found, r.adversarial(), best); // untargeted success: not the label
            }
            return f.finish(best);
        }
    }

    /** The class with the rank-th largest logit among those other than {@code label}. */
    private static int ranked(double[] z, int i, int classes, int label, int rank) {
        Integer[] order = new Integer[classes];
        for (int c = 0; c < classes; c++) order[c] = c;
        Arrays.sort(order, (a, b) -> Double.compare(z[i * classes + b], z[i * classes + a]));
        int seen = 0;
        for (int c : order) if (c != label && ++seen == rank) return c;
        throw new IllegalStateException("rank " + rank + " out of " + classes + " classes");
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons) {
        throw new UnsupportedOperationException(name() + " picks its own targets; it has no targeted mode");
    }
}
