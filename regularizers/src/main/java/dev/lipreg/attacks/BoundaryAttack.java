package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The Boundary attack (Brendel et al. 2018), decision-based and ℓ2: it sees the
 * model only through a {@link LabelOracle}. It starts from uniform noise that is
 * misclassified, blended toward the original by bisection until just
 * adversarial, then walks along the decision boundary: a random step orthogonal
 * to the direction of the original (on the sphere around it, of relative size
 * {@code sphericalStep}), then a step toward the original (relative size
 * {@code sourceStep}); the candidate is kept when still adversarial and closer.
 * Step sizes adapt per image to the success rates of both steps (×/÷
 * {@code stepAdaptation} above 50% / below 20%). Every image it returns was
 * verified adversarial by the oracle, so its distances never undercut the true
 * minimal distance. Seeded: one seed gives one run.
 *
 * @param steps          the iterations
 * @param sphericalStep  the initial size of the orthogonal step
 * @param sourceStep     the initial size of the step towards the original
 * @param stepAdaptation the factor the step sizes adapt by
 * @param initTrials     the random starting points tried per image
 * @param seed           the seed
 */
public record BoundaryAttack(int steps, double sphericalStep, double sourceStep, double stepAdaptation, int initTrials, long seed)
        implements Attack {
    private static final int BLEND_STEPS = 25, WINDOW = 30, ADAPT_EVERY = 10;
    private static final double CONVERGED = 1e-9;

    /** Checks every setting. */
    public BoundaryAttack {
        Inputs.checkNonNegative(steps, "steps");
        Inputs.checkPositive(sphericalStep, "sphericalStep");
        Inputs.checkPositive(sourceStep, "sourceStep");
        if (!(stepAdaptation > 1) || Double.isInfinite(stepAdaptation)) {
            throw new IllegalArgumentException("stepAdaptation must be finite and > 1, got " + stepAdaptation);
        }
        Inputs.checkPositive(initTrials, "initTrials");
    }

    /**
     * Foolbox's settings: steps 0.01 and 0.01, adaptation 1.5, up to 100 noise draws for the start.
     *
     * @param steps the iterations
     * @param seed  the seed
     * @return the attack
     */
    public static BoundaryAttack of(int steps, long seed) {
        return new BoundaryAttack(steps, 0.01, 0.01, 1.5, 100, seed);
    }

    @Override
    public String name() {
        return "boundary";
    }

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    /** Wraps the model in a {@link ModelOracle}: the attack itself sees only labels. */
    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels) {
        Inputs.checkModel(model, images);
        return run(new ModelOracle(model), images, labels);
    }

    /**
     * The attack against any label oracle (decision-based: it only reads predicted labels).
     *
     * @param oracle the labels to attack
     * @param x      the images [N, ...] in [0,1]
     * @param labels their labels
     * @return the result per image
     */
    public AttackResult run(LabelOracle oracle, Tensor x, Tensor labels) {
        if (oracle == null) throw new IllegalArgumentException("oracle must not be null");
        try (AttackFrame f = AttackFrame.open(name(), oracle, x, labels, false)) {
            Backend k = x.backend();
            int n = x.dim(0);
            SplittableRandom rng = new SplittableRandom(seed);
            Tensor current = k.copy(x);
            boolean[] started = f.initiallyAdversarial.clone();
            findNoiseStart(f, rng, current, started);
            double[] dist = blendTowardOriginal(f, current, started);
            walk(f, rng, current, started, dist);
            return f.finish(current);
        }
    }

    /** Uniform noise images that the oracle misclassifies, one per image where any is found. */
    private void findNoiseStart(AttackFrame f, SplittableRandom rng, Tensor current, boolean[] started) {
        Backend k = current.backend();
        for (int t = 0; t < initTrials && !AttackFrame.all(started); t++) {
            try (Scope s = Scope.open()) {
                Tensor noise = RandomTensors.uniform(k, current.dtype(), current.shape(), 0, 1, rng);
                boolean[] adv = f.isAdversarial(f.oracle.predict(noise));
                boolean[] fresh = new boolean[adv.length];
                for (int i = 0; i < adv.length; i++) {
                    fresh[i] = adv[i] && !started[i];
                    started[i] |= adv[i];
                }
                k.copyInto(current, PerImage.select(PerImage.mask(fresh, current), noise, current));
            }
        }
    }

    /** Bisection on the blend x + λ(noise − x): keeps the smallest λ found adversarial. Returns the distances. */
    private double[] blendTowardOriginal(AttackFrame f, Tensor current, boolean[] started) {
        Backend k = current.backend();
        int n = started.length;
        double[] lo = new double[n], hi = new double[n];
        Arrays.fill(hi, 1);
        try (Scope s = Scope.open()) {
            Tensor noise = k.copy(current);
            Tensor toNoise = k.binary(BinaryOp.SUB, noise, f.x);
            for (int b = 0; b < BLEND_STEPS; b++) {
                try (Scope inner = Scope.open()) {
                    double[] mid = new double[n];
                    for (int i = 0; i < n; i++) mid[i] = (lo[i] + hi[i]) / 2;
                    Tensor cand = PerImage.addScaled(f.x, PerImage.column(mid, f.x), toNoise);
                    boolean[] adv = f.isAdversarial(f.oracle.predict(cand));
                    boolean[] take = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        take[i] = started[i] && !f.initiallyAdversarial[i] && adv[i];
                        if (take[i]) hi[i] = mid[i];
                        else lo[i] = mid[i];
                    }
                    k.copyInto(current, PerImage.select(PerImage.mask(take, current), cand, current));
                }
            }
            return PerImage.norms(k.binary(BinaryOp.SUB, current, f.x), Norm.L2);
        }
    }

    /** The boundary walk: orthogonal step, step toward the original, accept if adversarial and closer. */
    private void walk(AttackFrame f, SplittableRandom rng, Tensor current, boolean[] started, double[] dist) {
        Backend k = current.backend();
        Tensor x = f.x;
        int n = started.length;
        double[] sph = new double[n], src = new double[n];
        Arrays.fill(sph, sphericalStep);
        Arrays.fill(src, sourceStep);
        Window sphStats = new Window(n), stepStats = new Window(n);
        for (int step = 1; step <= steps; step++) {
            boolean[] active = new boolean[n];
            boolean anyActive = false;
            for (int i = 0; i < n; i++) {
                active[i] = started[i] && dist[i] > 0 && src[i] > CONVERGED;
                anyActive |= active[i];
            }
            if (!anyActive) return;
            try (Scope s = Scope.open()) {
                Tensor source = k.binary(BinaryOp.SUB, x, current); // toward the original, ‖·‖ = dist
                Tensor distCol = PerImage.column(dist, x);
                Tensor unitSource = PerImage.unitL2(source);
                Tensor eta = RandomTensors.gaussian(k, x.dtype(), x.shape(), rng);
                Tensor dot = k.reduce(ReduceOp.SUM, k.binary(BinaryOp.MUL, eta, unitSource), PerImage.featureAxes(x), true);
                eta = k.binary(BinaryOp.SUB, eta, k.binary(BinaryOp.MUL, dot, unitSource));
                double[] etaScale = new double[n], shrink = new double[n];
                for (int i = 0; i < n; i++) {
                    etaScale[i] = sph[i] * dist[i];
                    shrink[i] = 1 / Math.sqrt(sph[i] * sph[i] + 1);
                }
                eta = k.binary(BinaryOp.MUL, PerImage.unitL2(eta), PerImage.column(etaScale, x));
                // rotate current − x by the orthogonal η, keeping the distance: x + D·(η − source)
                Tensor spherical = k.clamp(PerImage.addScaled(x, PerImage.column(shrink, x), k.binary(BinaryOp.SUB, eta, source)), 0, 1);
                Tensor newSource = k.binary(BinaryOp.SUB, x, spherical);
                double[] newDist = PerImage.norms(newSource, Norm.L2), length = new double[n];
                for (int i = 0; i < n; i++) {
                    // move so the candidate is src·dist closer than current, whatever clipping did to the sphere step
                    double l = Math.max(0, src[i] * dist[i] + newDist[i] - dist[i]);
                    length[i] = newDist[i] > 0 ? l / newDist[i] : 0;
                }
                Tensor candidate = k.clamp(PerImage.addScaled(spherical, PerImage.column(length, x), newSource), 0, 1);
                int[] pred = f.oracle.predict(k.concat(List.of(spherical, candidate), 0));
                int[] sphPred = Arrays.copyOfRange(pred, 0, n), candPred = Arrays.copyOfRange(pred, n, 2 * n);
                boolean[] sphAdv = f.isAdversarial(sphPred), candAdv = f.isAdversarial(candPred);
                double[] candDist = PerImage.norms(k.binary(BinaryOp.SUB, candidate, x), Norm.L2);
                boolean[] accept = new boolean[n];
                boolean any = false;
                for (int i = 0; i < n; i++) {
                    if (!active[i]) continue;
                    sphStats.add(i, sphAdv[i]);
                    if (sphAdv[i]) stepStats.add(i, candAdv[i]);
                    accept[i] = candAdv[i] && candDist[i] < dist[i];
                    if (accept[i]) dist[i] = candDist[i];
                    any |= accept[i];
                }
                if (any) k.copyInto(current, PerImage.select(PerImage.mask(accept, x), candidate, current));
            }
            if (step % ADAPT_EVERY == 0) adapt(sph, src, sphStats, stepStats);
        }
    }

    /** Brendel et al.'s rule: aim for about half of the orthogonal and of the toward-original steps staying adversarial. */
    private void adapt(double[] sph, double[] src, Window sphStats, Window stepStats) {
        for (int i = 0; i < sph.length; i++) {
            if (sphStats.full(i)) {
                double p = sphStats.rate(i);
                if (p > 0.5) {
                    sph[i] *= stepAdaptation;
                    src[i] *= stepAdaptation;
                    sphStats.clear(i);
                } else if (p < 0.2) {
                    sph[i] /= stepAdaptation;
                    src[i] /= stepAdaptation;
                    sphStats.clear(i);
                }
            }
            if (stepStats.full(i)) {
                double p = stepStats.rate(i);
                if (p > 0.5) {
                    src[i] *= stepAdaptation;
                    stepStats.clear(i);
                } else if (p < 0.2) {
                    src[i] /= stepAdaptation;
                    stepStats.clear(i);
                }
            }
        }
    }

    /** The last {@link #WINDOW} outcomes of each image. */
    private static final class Window {
        private final boolean[][] hits;
        private final int[] count, next;

        Window(int n) {
            hits = new boolean[n][WINDOW];
            count = new int[n];
            next = new int[n];
        }

        void add(int i, boolean hit) {
            hits[i][next[i]] = hit;
            next[i] = (next[i] + 1) % WINDOW;
            count[i] = Math.min(count[i] + 1, WINDOW);
        }

        boolean full(int i) {
            return count[i] == WINDOW;
        }

        double rate(int i) {
            int h = 0;
            for (boolean b : hits[i]) h += b ? 1 : 0;
            return (double) h / WINDOW;
        }

        void clear(int i) {
            count[i] = 0;
            next[i] = 0;
            Arrays.fill(hits[i], false);
        }
    }
}
