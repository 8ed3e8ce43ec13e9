package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The Square attack (Andriushchenko et al. 2020, AutoAttack's black-box
 * member): random search that sees only the model's scores through a
 * {@link ScoreOracle}. It lowers the margin z_y − max_{k≠y} z_k (targeted:
 * max_{k≠t} z_k − z_t) by proposing changes on random square windows whose
 * side shrinks on the paper's schedule (fraction p of the pixels, p halved at
 * 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10,000 queries), and keeps a
 * proposal when it lowers the margin. ℓ∞: vertical-stripe start, each window
 * channel set to ±ε. ℓ2: a Gaussian start of norm ε; each proposal adds
 * ±ε/√D to the window (one random sign per channel) and rescales the whole
 * perturbation to ‖δ‖₂ = ε before clipping to [0,1] (random search on the
 * sphere; simpler patches than the paper's centre-weighted ones, so it needs
 * more queries in ℓ2). Queries: one per image and
 * iteration while the image is not yet adversarial.
 *
 * @param norm    L2 or LINF
 * @param epsilon the budget
 * @param queries the most score queries per image
 * @param pInit   the initial fraction of pixels a square covers, in (0, 1]
 * @param seed    the seed
 */
public record Square(Norm norm, double epsilon, int queries, double pInit, long seed) implements FixedBudgetAttack {
    private static final int[] HALVINGS = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

    /** Checks every setting. */
    public Square {
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
        Inputs.checkPositive(queries, "queries");
        if (!(pInit > 0 && pInit <= 1)) throw new IllegalArgumentException("pInit must be in (0, 1], got " + pInit);
    }

    /**
     * AutoAttack's settings: p_init 0.8.
     *
     * @param norm    L2 or LINF
     * @param epsilon the budget
     * @param queries the most queries per image
     * @param seed    the seed
     * @return the attack
     */
    public static Square of(Norm norm, double epsilon, int queries, long seed) {
        return new Square(norm, epsilon, queries, 0.8, seed);
    }

    @Override
    public String name() {
        return "square-" + norm.label();
    }

    @Override
    public Square withEpsilon(double epsilon) {
        return new Square(norm, epsilon, queries, pInit, seed);
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons) {
        Inputs.checkModel(model, images);
        return run(new ModelScores(model), images, labels, epsilons, false);
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons) {
        Inputs.checkModel(model, images);
        return run(new ModelScores(model), images, targets, epsilons, true);
    }

    /**
     * Against any score oracle: untargeted ({@code targeted} false, labels) or targeted (targets).
     *
     * @param oracle   the scores to attack
     * @param images   the images [N, ...] in [0,1]
     * @param labels   the labels, or the targets when {@code targeted}
     * @param epsilons one budget per image
     * @param targeted whether {@code labels} are targets
     * @return the result per image
     */
    public AttackResult run(ScoreOracle oracle, Tensor images, Tensor labels, double[] epsilons, boolean targeted) {
        if (oracle == null) throw new IllegalArgumentException("oracle must not be null");
        Inputs.checkEpsilons(epsilons, images.dim(0));
        try (AttackFrame f = AttackFrame.open(name(), oracle, images, labels, targeted)) {
            return f.finish(new Search(f, oracle, epsilons).go());
        }
    }

    /** The random search over one batch, in plain arrays. */
    private final class Search {
        private final AttackFrame f;
        private final ScoreOracle oracle;
        private final double[] eps, x, adv;
        private final int n, d, c, h, w;
        private final SplittableRandom rng = new SplittableRandom(seed);

        Search(AttackFrame f, ScoreOracle oracle, double[] eps) {
            this.f = f;
            this.oracle = oracle;
            this.eps = eps;
            this.x = f.x.toDoubleArray();
            Shape s = f.x.shape();
            this.n = s.dim(0);
            this.d = x.length / n;
            this.c = s.rank() == 4 ? s.dim(1) : 1;
            this.h = s.rank() == 4 ? s.dim(2) : 1;
            this.w = d / (c * h);
            this.adv = x.clone();
        }

        Tensor go() {
            boolean[] done = f.initiallyAdversarial.clone();
            for (int i = 0; i < n; i++) if (!done[i]) start(i);
            double[] margin = margins(all(), done);
            for (int i = 0; i < n; i++) done[i] |= margin[i] < 0;
            for (int it = 0; it < queries; it++) {
                int[] active = open(done);
                if (active.length == 0) break;
                try (Scope step = Scope.open()) { // each query's tensors freed at once
                    query(it, active, margin, done);
                }
            }
            return PerImage.fromDoubles(f.x.backend(), f.x.dtype(), adv, f.x.shape());
        }

        /** One query per open image: propose, score, keep what lowered the margin. */
        private void query(int it, int[] active, double[] margin, boolean[] done) {
            int side = (int) Math.max(1, Math.min(Math.round(Math.sqrt(fraction(it) * h * w)), Math.min(h, w)));
            double[] proposal = new double[active.length * d];
            for (int a = 0; a < active.length; a++) propose(active[a], side, proposal, a);
            double[] m = scoreMargins(proposal, active);
            for (int a = 0; a < active.length; a++) {
                int i = active[a];
                if (m[a] < margin[i]) {
                    margin[i] = m[a];
                    System.arraycopy(proposal, a * d, adv, i * d, d);
                    done[i] = m[a] < 0;
                }
            }
        }

        /** The share of pixels a window covers at query {@code it}, on the schedule for 10,000 queries. */
        private double fraction(int it) {
            int scaled = (int) ((double) it / queries * 10000);
            double p = pInit;
            for (int t : HALVINGS) if (scaled > t) p /= 2;
            return p;
        }

        private void start(int i) {
            int o = i * d;
            if (norm == Norm.LINF) {
                for (int ch = 0; ch < c; ch++) {
                    for (int col = 0; col < w; col++) {
                        double v = rng.nextBoolean() ? eps[i] : -eps[i];
                        for (int r = 0; r < h; r++) set(adv, o, ch, r, col, x[o + (ch * h + r) * w + col] + v);
                    }
                }
            } else {
                double[] g = new double[d];
                double len = 0;
                for (int j = 0; j < d; j++) {
                    g[j] = gaussian();
                    len += g[j] * g[j];
                }
                len = Math.sqrt(len);
                for (int j = 0; j < d; j++) adv[o + j] = clip(x[o + j] + eps[i] * g[j] / len);
            }
        }

        /** A changed copy of image i's adversarial into {@code out} at slot a. */
        private void propose(int i, int side, double[] out, int a) {
            int o = i * d, p = a * d;
            System.arraycopy(adv, o, out, p, d);
            int r0 = rng.nextInt(h - side + 1), c0 = rng.nextInt(w - side + 1);
            if (norm == Norm.LINF) {
                for (int ch = 0; ch < c; ch++) {
                    double v = rng.nextBoolean() ? eps[i] : -eps[i];
                    for (int r = r0; r < r0 + side; r++) for (int col = c0; col < c0 + side; col++) set(out, p, ch, r, col, x[o + (ch * h + r) * w + col] + v);
                }
                return;
            }
            // ℓ2: add ±ε/√D per channel on the window, then project the whole perturbation back onto the ε-sphere
            double step = eps[i] / Math.sqrt(d), total = 0;
            for (int ch = 0; ch < c; ch++) {
                double v = rng.nextBoolean() ? step : -step;
                for (int r = r0; r < r0 + side; r++) for (int col = c0; col < c0 + side; col++) out[p + (ch * h + r) * w + col] += v;
            }
            for (int j = 0; j < d; j++) {
                double dj = out[p + j] - x[o + j];
                total += dj * dj;
            }
            double scale = total > 0 ? eps[i] / Math.sqrt(total) : 0;
            for (int j = 0; j < d; j++) out[p + j] = clip(x[o + j] + (out[p + j] - x[o + j]) * scale);
        }

        private void set(double[] a, int offset, int ch, int r, int col, double v) {
            a[offset + (ch * h + r) * w + col] = clip(v);
        }

        private double[] margins(int[] which, boolean[] skip) {
            double[] m = new double[n];
            double[] batch = new double[which.length * d];
            for (int a = 0; a < which.length; a++) System.arraycopy(adv, which[a] * d, batch, a * d, d);
            double[] got = scoreMargins(batch, which);
            for (int a = 0; a < which.length; a++) m[which[a]] = skip[which[a]] ? -1 : got[a];
            return m;
        }

        /** The margin of each image in {@code batch} (images {@code which} of the frame). */
        private double[] scoreMargins(double[] batch, int[] which) {
            Shape s = f.x.shape();
            int[] dims = s.dims();
            dims[0] = which.length;
            double[] z = oracle.scores(PerImage.fromDoubles(f.x.backend(), f.x.dtype(), batch, Shape.of(dims))).toDoubleArray();
            int k = z.length / which.length;
            double[] m = new double[which.length];
            for (int a = 0; a < which.length; a++) {
                int label = f.classOf[which[a]];
                double own = z[a * k + label], other = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) if (j != label) other = Math.max(other, z[a * k + j]);
                m[a] = f.targeted ? other - own : own - other;
            }
            return m;
        }

        private int[] all() {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) a[i] = i;
            return a;
        }

        private int[] open(boolean[] done) {
            int k = 0;
            for (boolean b : done) if (!b) k++;
            int[] a = new int[k];
            k = 0;
            for (int i = 0; i < n; i++) if (!done[i]) a[k++] = i;
            return a;
        }

        private double gaussian() {
            double u = 1 - rng.nextDouble(), v = rng.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }

        private static double clip(double v) {
            return Math.min(1, Math.max(0, v));
        }
    }
}
