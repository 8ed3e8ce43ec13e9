package dev.lipreg.eval;

import dev.lipreg.attacks.Attack;
import dev.lipreg.attacks.FixedBudgetAttack;
import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The robustness evaluation of {@code lipreg eval} (docs/evaluation.md) on a
 * slice of test images, as per-image records: clean correctness, each attack's
 * broken flags at every ε or minimal distance, input-gradient norms and the
 * certified radius. {@link EvalReport.ModelReport#of} merges the records of one
 * or many slices into the report; {@link Robustness#evaluate} does both for a
 * whole dataset in one process.
 *
 * <p>Randomized attacks restart their seed in every batch of
 * {@link AttackSettings#batch()} images, so a slice must start at a multiple of
 * the batch size: then its batches are exactly those of a single run, and its
 * records equal that run's.
 */
public final class Evaluation {
    private Evaluation() {
    }

    /** Progress of each named measurement (the clean pass, each attack, gradient norms), e.g. a progress bar per task. */
    public interface Monitor {
        /**
         * Starts a task of {@code total} images; the evaluation closes it when done.
         *
         * @param task  the measurement's name, e.g. "clean" or "pgd l2"
         * @param total images it will process
         * @return the task, told of progress and then closed
         */
        Task start(String task, long total);

        /** {@return a monitor that shows nothing} */
        static Monitor none() {
            return (task, total) -> new Task() {
                @Override
                public void update(long done, long all) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** One running measurement. */
    public interface Task extends Progress, AutoCloseable {
        /** Ends the task's display. */
        @Override
        void close();
    }

    /**
     * The sound Lipschitz bound certification divides margins by: computed once
     * per model (on a Spark driver, not per slice).
     *
     * @param layers the model, or for an imported graph the same function as LipReg layers
     * @param input  the image shape [C, H, W]
     * @return the bound and its factors
     * @throws IllegalArgumentException if the model is training or has a layer with no bound
     */
    public static LipschitzUpperBound.Bound bound(Module layers, int[] input) {
        return LipschitzUpperBound.of(layers, input);
    }

    /**
     * Evaluates images {@code first … first + N − 1} of a test set.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the slice [N, C, H, W], pixels in [0, 1]
     * @param labels    its labels [N]
     * @param first     index of the slice's first image in the whole set; a multiple of the attack batch size
     * @param settings  what to measure
     * @param lipschitz the model's sound ℓ2 Lipschitz bound (from {@link #bound}) when {@code settings.certify()}, else ignored
     * @param monitor   told of each measurement's progress; null for none
     * @return the slice's per-image records and attack times
     * @throws IllegalArgumentException if the model is null or training, the images or labels are malformed, {@code first}
     *                                  is not a non-negative multiple of the batch size, or certify is on with a bound ≤ 0
     */
    public static EvalPart run(Module model, Tensor images, Tensor labels, int first, EvalSettings settings, double lipschitz,
                               Monitor monitor) {
        int n = Batches.check(images, labels, settings.attack().batch());
        if (labels == null) throw new IllegalArgumentException("labels must not be null");
        int batch = settings.attack().batch();
        if (first < 0 || first % batch != 0) {
            throw new IllegalArgumentException("a slice must start at a multiple of the attack batch size " + batch
                    + " (attacks are seeded per batch), got first image " + first);
        }
        if (settings.certify()) Inputs.checkPositive(lipschitz, "lipschitz");
        Inputs.checkModel(model, images);
        Monitor m = monitor == null ? Monitor.none() : monitor;
        CertifiedRadius.Certificates clean = measure(m, "clean", n,
                p -> CertifiedRadius.of(model, images, labels, settings.certify() ? lipschitz : 1, batch, p));
        List<List<ImageRecord.Outcome>> outcomes = new ArrayList<>();
        for (int i = 0; i < n; i++) outcomes.add(new ArrayList<>());
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (Norm norm : List.of(Norm.L2, Norm.LINF)) {  // the threat models the attacks implement
            double[] eps = settings.epsilons(norm);
            if (eps.length == 0) continue;
            for (String a : settings.attacks(norm)) {
                if (AttackSettings.isFixedBudget(a)) {
                    FixedBudgetAttack attack = settings.attack().fixedBudget(a, norm, eps[0], settings.seed());
                    Robustness.Broken b = measure(m, attack.name(), (long) n * eps.length,
                            p -> Robustness.broken(model, images, labels, attack, eps, batch, p));
                    seconds.merge(attack.name(), b.seconds(), Double::sum);
                    for (int i = 0; i < n; i++) {
                        long bits = 0;
                        for (int j = 0; j < eps.length; j++) if (b.broken()[j][i]) bits |= 1L << j;
                        outcomes.get(i).add(new ImageRecord.Outcome(norm.label(), attack.name(), bits, Double.NaN));
                    }
                } else {
                    DistanceReport d = distances(m, model, images, labels, a, norm, eps[eps.length - 1] * 2, settings);
                    seconds.merge(d.attack(), d.seconds(), Double::sum);
                    for (int i = 0; i < n; i++) {
                        long bits = 0;
                        for (int j = 0; j < eps.length; j++) if (d.distances()[i] <= eps[j]) bits |= 1L << j;
                        outcomes.get(i).add(new ImageRecord.Outcome(norm.label(), d.attack(), bits, d.distances()[i]));
                    }
                }
            }
        }
        GradientNorms.Report g = measure(m, "‖∇ₓℓ‖", n, p -> GradientNorms.of(model, images, labels, Loss.crossEntropy(), batch, p));
        long[] y = labels.toLongArray();
        List<ImageRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double radius = settings.certify() ? clean.radii()[i] : Double.NaN;
            records.add(new ImageRecord(first + i, (int) y[i], clean.correct()[i], g.l2()[i], g.l1()[i], radius, outcomes.get(i)));
        }
        return new EvalPart(first, records, seconds);
    }

    /** Per-image distances of a minimal-distance attack, or by bisection over ε with PGD up to {@code max}. */
    private static DistanceReport distances(Monitor m, Module model, Tensor images, Tensor labels, String name, Norm norm, double max,
                                            EvalSettings settings) {
        int n = images.dim(0), batch = settings.attack().batch();
        if (name.equals("bisect")) {
            FixedBudgetAttack pgd = settings.attack().fixedBudget("bisect", norm, max, settings.seed());
            return measure(m, pgd.name() + "-bisection", n,
                    p -> Robustness.bisection(model, images, labels, pgd, max, settings.attack().bisectionSteps(), batch, p));
        }
        Attack attack = settings.attack().minimal(name, norm, settings.seed());
        return measure(m, attack.name(), n, p -> Robustness.minimalDistances(model, images, labels, attack, norm, batch, p));
    }

    private interface Measurement<T> {
        T run(Progress p);
    }

    private static <T> T measure(Monitor m, String task, long total, Measurement<T> work) {
        try (Task t = m.start(task, total)) {
            return work.run(t);
        }
    }
}
