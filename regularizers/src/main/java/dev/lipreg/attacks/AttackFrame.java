package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

/**
 * The frame every attack runs in: validated inputs, the clean predictions, a
 * work scope for the attack's state, and {@link #finish} which re-checks the
 * returned images and copies them into the caller's scope.
 */
final class AttackFrame implements AutoCloseable {
    final String name;
    final LabelOracle oracle;
    final Tensor x;
    final Tensor labels;
    final int[] classOf;
    final boolean targeted;
    final int classes;
    /** Images adversarial before any perturbation (untargeted: misclassified; targeted: already the target). */
    final boolean[] initiallyAdversarial;
    private final Scope caller;
    private final Scope work;
    private final long start;

    private AttackFrame(String name, LabelOracle oracle, Tensor x, Tensor labels, boolean targeted) {
        this.start = System.nanoTime();
        this.name = name;
        this.oracle = oracle;
        this.x = x;
        this.labels = labels;
        this.targeted = targeted;
        String what = targeted ? "targets" : "labels";
        Inputs.checkImages(x, "images");
        Inputs.checkLabels(labels, x.dim(0), what);
        this.caller = Scope.current();
        this.work = Scope.open();
        try {
            int[] clean = oracle.predict(x);
            this.classes = oracle.classes();
            this.classOf = Inputs.labelsInRange(labels, classes, what);
            this.initiallyAdversarial = isAdversarial(clean);
        } catch (RuntimeException e) {
            work.close();
            throw e;
        }
    }

    static AttackFrame open(String name, LabelOracle oracle, Tensor x, Tensor labels, boolean targeted) {
        if (Scope.isActive()) return new AttackFrame(name, oracle, x, labels, targeted);
        throw new IllegalStateException(name + ": call attacks inside try (Scope s = Scope.open()) { ... }");
    }

    /** Whether predictions count as adversarial for this frame's labels or targets. */
    boolean[] isAdversarial(int[] predictions) {
        boolean[] a = new boolean[predictions.length];
        for (int i = 0; i < a.length; i++) a[i] = targeted == (predictions[i] == classOf[i]);
        return a;
    }

    /** The result for {@code adversarial}: predictions and distances re-measured, images copied to the caller's scope. */
    AttackResult finish(Tensor adversarial) {
        int[] pred = oracle.predict(adversarial);
        boolean[] success = isAdversarial(pred);
        Tensor delta = x.backend().binary(BinaryOp.SUB, adversarial, x);
        double[] l2 = PerImage.norms(delta, Norm.L2);
        double[] linf = PerImage.norms(delta, Norm.LINF);
        Tensor out = caller.run(() -> adversarial.backend().copy(adversarial));
        return new AttackResult(name, out, success, pred, l2, linf, (System.nanoTime() - start) * 1e-9);
    }

    /**
     * Marks the images whose {@code predictions} are adversarial in {@code found} and copies the
     * ones not found before from {@code cur} into {@code best}: the first success per image is kept.
     */
    void keepNewlyFound(int[] predictions, boolean[] found, Tensor cur, Tensor best) {
        boolean[] hit = isAdversarial(predictions);
        boolean[] fresh = new boolean[hit.length];
        boolean any = false;
        for (int i = 0; i < hit.length; i++) {
            fresh[i] = hit[i] && !found[i];
            any |= fresh[i];
            found[i] |= hit[i];
        }
        if (any) cur.backend().copyInto(best, PerImage.select(PerImage.mask(fresh, cur), cur, best));
    }

    static boolean all(boolean[] b) {
        for (boolean v : b) if (!v) return false;
        return true;
    }

    @Override
    public void close() {
        work.close();
    }
}
