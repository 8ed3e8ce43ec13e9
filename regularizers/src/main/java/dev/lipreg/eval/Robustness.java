package dev.lipreg.eval;

import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.AttackResult;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.attacks.Inputs;
import dev.lipreg.tensor.Norm;
import dev.lipreg.data.Dataset;
import dev.lipreg.nn.Module;
import dev.lipreg.nn.Parameter;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Robustness of a model on a dataset held as tensors: error at fixed budgets,
 * and per-image minimal adversarial distances, either from a minimal-distance
 * attack (CW, DeepFool, Boundary) or by bisection over ε with a fixed-budget
 * attack (PGD, APGD, FGSM). Works batch by batch; each batch's tensors are
 * freed before the next.
 */
public final class Robustness {
    private Robustness() {
    }

    /**
     * The report of {@code lipreg eval} for one model on a test set, in this process: clean error, error under the
     * settings' attacks at each ε, median minimal distances, gradient norms and (if {@code settings.certify()})
     * certified accuracy from a sound Lipschitz bound. The model is evaluated in inference mode (its mode is
     * restored after); tensors live on the backend of the model's parameters, in their dtype.
     *
     * @param model    the classifier to evaluate; it must have parameters (they give the backend)
     * @param test     the test images and labels, pixels in [0, 1]
     * @param settings budgets, attacks, certification and effort
     * @return the report of one model named "model"
     * @throws IllegalArgumentException if an argument is null, the model has no parameters, or a layer has no
     *                                  Lipschitz bound while certification is on
     */
    public static EvalReport evaluate(Module model, Dataset test, EvalSettings settings) {
        if (model == null || test == null || settings == null) throw new IllegalArgumentException("model, test and settings must not be null");
        Parameter any = model.parameters().values().stream().findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model has no parameters to take a backend from: use evaluate(name, model, test, settings, backend, monitor)"));
        return EvalReport.of(test.name(), settings, List.of(evaluate("model", model, test, settings, any.backend(), Evaluation.Monitor.none())));
    }

    /**
     * As {@link #evaluate(Module, Dataset, EvalSettings)} for one named model, on {@code backend}, showing progress per task.
     *
     * @param name     the model's name in the report
     * @param model    the classifier, its parameters on {@code backend}
     * @param test     the test images and labels, pixels in [0, 1]
     * @param settings budgets, attacks, certification and effort
     * @param backend  where the images are loaded and the attacks run
     * @param monitor  told of each measurement's progress; null for none
     * @return the model's report, for {@link EvalReport#of}
     * @throws IllegalArgumentException if the model does not fit the data or backend, or a layer has no Lipschitz bound
     *                                  while certification is on
     */
    public static EvalReport.ModelReport evaluate(String name, Module model, Dataset test, EvalSettings settings, Backend backend,
                                                  Evaluation.Monitor monitor) {
        long start = System.nanoTime();
        boolean training = model.isTraining();
        model.eval(); // batch norm on its running statistics, no dropout; restored below
        try (Scope s = Scope.open()) {
            LipschitzUpperBound.Bound bound = settings.certify() ? Evaluation.bound(model, new int[]{test.channels(), test.height(), test.width()}) : null;
            Tensor images = test.images(backend);
            DType dtype = model.parameters().values().stream().findFirst().map(p -> p.value().dtype()).orElse(images.dtype());
            if (images.dtype() != dtype) images = backend.cast(images, dtype); // a float64 model (the reference backend's oracle)
            EvalPart all = Evaluation.run(model, images, test.labels(backend), 0, settings,
                    bound == null ? Double.NaN : bound.value(), monitor);
            return EvalReport.ModelReport.of(name, "", model.getClass().getSimpleName(), settings, all, bound, (System.nanoTime() - start) / 1e9);
        } finally {
            model.train(training);
        }
    }

    /**
     * The error under {@code attack} at each ε (misclassified clean images count as errors at every ε).
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...], pixels in [0, 1]
     * @param labels    their labels [N]
     * @param attack    the attack; its own budget is replaced by each ε
     * @param epsilons  the budgets, in input units in the attack's norm
     * @param batchSize images per attack batch
     * @param progress  told of each batch done (N images per budget); null for none
     * @return the error at each budget
     * @throws IllegalArgumentException if the model is null or training, the images or labels are malformed,
     *                                  the attack is null, a budget is negative or not finite, or batchSize is not positive
     */
    public static ErrorCurve errorCurve(Module model, Tensor images, Tensor labels, FixedBudgetAttack attack, double[] epsilons,
                                        int batchSize, Progress progress) {
        return broken(model, images, labels, attack, epsilons, batchSize, progress).curve();
    }

    /**
     * Which images an attack broke at each budget: {@code broken[j][i]} for ε_j and image i.
     *
     * @param attack   the attack's name
     * @param norm     its threat model
     * @param epsilons the budgets, in input units
     * @param broken   per budget j and image i, whether the attack succeeded (misclassified images: always)
     * @param seconds  total attack time, in seconds
     */
    public record Broken(String attack, Norm norm, double[] epsilons, boolean[][] broken, double seconds) {
        /** {@return the error curve: the fraction of images broken at each budget} */
        public ErrorCurve curve() {
            double[] errors = new double[epsilons.length];
            for (int j = 0; j < errors.length; j++) {
                int c = 0;
                for (boolean b : broken[j]) c += b ? 1 : 0;
                errors[j] = (double) c / broken[j].length;
            }
            return new ErrorCurve(attack, norm, epsilons.clone(), errors, seconds);
        }
    }

    /**
     * Per image and ε, whether {@code attack} broke it (misclassified clean images count as broken at every ε).
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...], pixels in [0, 1]
     * @param labels    their labels [N]
     * @param attack    the attack; its own budget is replaced by each ε
     * @param epsilons  the budgets, in input units in the attack's norm
     * @param batchSize images per attack batch; the attack's randomness restarts in each
     * @param progress  told of each batch done (N images per budget); null for none
     * @return the flags and the attack time
     * @throws IllegalArgumentException if the model is null or training, the images or labels are malformed,
     *                                  the attack is null, a budget is negative or not finite, or batchSize is not positive
     */
    public static Broken broken(Module model, Tensor images, Tensor labels, FixedBudgetAttack attack, double[] epsilons,
                                int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (attack == null) throw new IllegalArgumentException("attack must not be null");
        if (epsilons == null || epsilons.length == 0) throw new IllegalArgumentException("epsilons must list at least one budget");
        for (int j = 0; j < epsilons.length; j++) Inputs.checkEpsilon(epsilons[j], "epsilons[" + j + "]");
        Progress p = orNone(progress);
        boolean[][] broken = new boolean[epsilons.length][n];
        double[] seconds = {0};
        for (int j = 0; j < epsilons.length; j++) {
            double eps = epsilons[j];
            boolean[] row = broken[j];
            Batches.forEach(images, labels, batchSize, p, (long) n * epsilons.length, (long) n * j, (x, y, off) -> {
                double[] e = new double[x.dim(0)];
                Arrays.fill(e, eps);
                AttackResult r = attack.run(model, x, y, e);
                System.arraycopy(r.success(), 0, row, off, x.dim(0));
                seconds[0] += r.seconds();
            });
        }
        return new Broken(attack.name(), attack.norm(), epsilons.clone(), broken, seconds[0]);
    }

    /**
     * Distances in {@code norm} of the adversarials a minimal-distance attack finds; +∞ where it fails.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...], pixels in [0, 1]
     * @param labels    their labels [N]
     * @param attack    a minimal-distance attack (CW, DeepFool, Boundary)
     * @param norm      the norm distances are measured in
     * @param batchSize images per attack batch
     * @param progress  told of each batch done, in images; null for none
     * @return per image, the distance found in input units (0 if misclassified, +∞ if not broken)
     * @throws IllegalArgumentException if an argument is null or malformed, the model is training, or batchSize is not positive
     */
    public static DistanceReport minimalDistances(Module model, Tensor images, Tensor labels, Attack attack, Norm norm,
                                                  int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (attack == null || norm == null) throw new IllegalArgumentException("attack and norm must not be null");
        double[] d = new double[n];
        double[] seconds = {0};
        Batches.forEach(images, labels, batchSize, orNone(progress), n, 0, (x, y, off) -> {
            AttackResult r = attack.run(model, x, y);
            System.arraycopy(r.successfulDistances(norm), 0, d, off, x.dim(0));
            seconds[0] += r.seconds();
        });
        return new DistanceReport(attack.name(), norm, d, filled(n, attack.name()), seconds[0]);
    }

    /**
     * Per-image minimal distance in the attack's norm by bisection over ε: first
     * the attack at {@code maxEpsilon} (failure: +∞), then {@code steps} halvings
     * of each image's interval [lo, hi], where a success at ε lowers hi to the
     * distance of the adversarial actually found (≤ ε) and a failure raises lo to
     * ε. The result is each image's final hi: an adversarial at that distance
     * exists, and the attack failed within lo. Resolution maxEpsilon / 2^steps.
     *
     * @param model      the classifier, in eval mode, on the images' backend and dtype
     * @param images     the images [N, ...], pixels in [0, 1]
     * @param labels     their labels [N]
     * @param attack     the fixed-budget attack run at each ε; its norm is the distances'
     * @param maxEpsilon the largest budget tried, in input units, &gt; 0
     * @param steps      the most halvings per image, ≥ 0
     * @param batchSize  images per attack batch
     * @param progress   told of each batch done, in images; null for none
     * @return per image, the smallest distance found (+∞ if not broken at maxEpsilon), named attack-bisection
     * @throws IllegalArgumentException if an argument is null or malformed, the model is training, maxEpsilon is not
     *                                  positive, steps is negative, or batchSize is not positive
     */
    public static DistanceReport bisection(Module model, Tensor images, Tensor labels, FixedBudgetAttack attack, double maxEpsilon,
                                           int steps, int batchSize, Progress progress) {
        int n = Batches.check(images, labels, batchSize);
        if (attack == null) throw new IllegalArgumentException("attack must not be null");
        Inputs.checkPositive(maxEpsilon, "maxEpsilon");
        Inputs.checkNonNegative(steps, "steps");
        Norm norm = attack.norm();
        double[] d = new double[n];
        double[] seconds = {0};
        Batches.forEach(images, labels, batchSize, orNone(progress), n, 0, (x, y, off) -> {
            int b = x.dim(0);
            double[] lo = new double[b], hi = new double[b], eps = new double[b];
            Arrays.fill(eps, maxEpsilon);
            AttackResult first = attack.run(model, x, y, eps);
            seconds[0] += first.seconds();
            double[] found = first.distances(norm);
            for (int i = 0; i < b; i++) hi[i] = first.success()[i] ? found[i] : Double.POSITIVE_INFINITY;
            double resolution = maxEpsilon / Math.pow(2, steps);
            for (int s = 0; s < steps; s++) {
                boolean open = false;
                for (int i = 0; i < b; i++) {
                    boolean searching = hi[i] < Double.POSITIVE_INFINITY && hi[i] - lo[i] > resolution;
                    eps[i] = searching ? (lo[i] + hi[i]) / 2 : Math.min(hi[i], maxEpsilon);
                    open |= searching;
                }
                if (!open) break;
                AttackResult r = attack.run(model, x, y, eps);
                seconds[0] += r.seconds();
                double[] dist = r.distances(norm);
                for (int i = 0; i < b; i++) {
                    if (!(hi[i] < Double.POSITIVE_INFINITY && hi[i] - lo[i] > resolution)) continue;
                    if (r.success()[i]) hi[i] = Math.min(hi[i], dist[i]); // the distance actually found
                    else lo[i] = eps[i];
                }
            }
            System.arraycopy(hi, 0, d, off, b);
        });
        return new DistanceReport(attack.name() + "-bisection", norm, d, filled(n, attack.name()), seconds[0]);
    }

    private static String[] filled(int n, String s) {
        String[] a = new String[n];
        Arrays.fill(a, s);
        return a;
    }

    static Progress orNone(Progress p) {
        return p == null ? Progress.none() : p;
    }
}
