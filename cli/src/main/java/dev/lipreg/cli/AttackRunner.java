package dev.lipreg.cli;

import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

/** Runs one attack batch by batch and gathers per-image results as plain arrays. */
record AttackRunner(AttackOptions options, String name, Norm norm, double eps, long seed) {
    record Outcome(String attack, float[] adversarial, boolean[] success, long[] predictions, double[] l2, double[] linf, double seconds) {
        int successes() {
            int c = 0;
            for (boolean s : success) c += s ? 1 : 0;
            return c;
        }

        long[] successAsLongs() {
            long[] l = new long[success.length];
            for (int i = 0; i < l.length; i++) l[i] = success[i] ? 1 : 0;
            return l;
        }

        double medianSuccessDistance(Norm n) {
            double[] d = (n == Norm.L2 ? l2 : linf).clone();
            for (int i = 0; i < d.length; i++) if (!success[i]) d[i] = Double.POSITIVE_INFINITY;
            return median(d);
        }
    }

    /** The median; +∞ sorts last, so it is +∞ when at least half the values are. */
    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int m = s.length / 2;
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    Attack attack() {
        return AttackOptions.isFixedBudget(name) ? options.fixedBudget(name, norm, eps, seed) : options.minimal(name, norm, seed);
    }

    Outcome run(Module model, TestImages test, Progress.Factory progress) {
        return run(attack(), options.batch, model, test, progress);
    }

    /** Any attack (e.g. one built in code, like the detector-aware CW), batch by batch. */
    static Outcome run(Attack a, int batch, Module model, TestImages test, Progress.Factory progress) {
        int n = test.count(), size = test.data().imageSize();
        float[] adv = new float[n * size];
        boolean[] success = new boolean[n];
        long[] pred = new long[n];
        double[] l2 = new double[n], linf = new double[n];
        double seconds = 0;
        String label = a.name();
        try (Progress p = progress.start(label, n, "img")) {
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                try (Scope s = Scope.open()) {
                    Tensor x = test.images().backend().slice(test.images(), 0, from, to);
                    Tensor y = test.labels().backend().slice(test.labels(), 0, from, to);
                    AttackResult r = a.run(model, x, y);
                    System.arraycopy(r.adversarial().toFloatArray(), 0, adv, from * size, (to - from) * size);
                    System.arraycopy(r.success(), 0, success, from, to - from);
                    for (int i = 0; i < to - from; i++) pred[from + i] = r.predictions()[i];
                    System.arraycopy(r.l2(), 0, l2, from, to - from);
                    System.arraycopy(r.linf(), 0, linf, from, to - from);
                    seconds += r.seconds();
                }
                p.stepTo(to, "");
            }
        }
        return new Outcome(label, adv, success, pred, l2, linf, seconds);
    }
}
