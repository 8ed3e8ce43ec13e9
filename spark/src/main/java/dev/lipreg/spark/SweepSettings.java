package dev.lipreg.spark;

import dev.lipreg.nn.Presets;
import dev.lipreg.tensor.Norm;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What every run of a sweep shares: data, model, training and evaluation. Paths
 * must be readable (data) and writable (out) at the same path on the driver and
 * on every executor. Training mirrors {@code lipreg train} with SGD and a constant
 * learning rate: seeded subsets (train: {@code seed}, test: {@code seed + 1}),
 * initialization and shuffling from {@code seed}.
 *
 * @param data        dataset name: fashion-mnist, mnist, cifar10 or cifar100
 * @param dataDir     the dataset's directory, readable at this path everywhere
 * @param model       the model preset, one of {@link Presets#NAMES}
 * @param trainSubset training images (a fixed seeded sample; 0 = all)
 * @param testSubset  test images for the per-epoch accuracy and the evaluation (0 = all)
 * @param epochs      training epochs per run, ≥ 1
 * @param batch       training batch size, ≥ 1
 * @param lr          SGD's constant learning rate, &gt; 0
 * @param momentum    SGD's momentum, in [0, 1)
 * @param seed        seeds subsets, initialization, shuffling and attacks
 * @param epsL2       ℓ2 budgets the ℓ2 runs are attacked at (PGD with {@code pgdSteps} steps)
 * @param epsLinf     ℓ∞ budgets the ℓ∞ runs are attacked at
 * @param pgdSteps    PGD steps of the evaluation, ≥ 1
 * @param attackBatch images per attack batch, ≥ 1
 * @param taskThreads OpenMP threads of each task (match {@code spark.task.cpus})
 * @param out         the output directory (runs/ and the summary), writable at this path everywhere
 */
public record SweepSettings(String data, String dataDir, String model, int trainSubset, int testSubset, int epochs, int batch, double lr,
                            double momentum, long seed, double[] epsL2, double[] epsLinf, int pgdSteps, int attackBatch, int taskThreads,
                            String out) implements Serializable {

    /**
     * Fashion-MNIST in {@code dataDir}, the {@code mlp} preset, 1 epoch of SGD (lr 0.05, momentum 0.9, batch 128) on all
     * training images, 1000 test images, PGD-10 at ℓ2 0.5, 1 and ℓ∞ 0.05, 0.1 in batches of 250, one thread per task, seed 0.
     *
     * @param dataDir the Fashion-MNIST directory
     * @param out     the output directory
     * @return the settings (checked when the sweep runs)
     */
    public static SweepSettings defaults(String dataDir, String out) {
        return new SweepSettings("fashion-mnist", dataDir, "mlp", 0, 1000, 1, 128, 0.05, 0.9, 0, new double[]{0.5, 1}, new double[]{0.05, 0.1},
                10, 250, 1, out);
    }

    double[] epsilons(Norm norm) {
        return norm == Norm.L2 ? epsL2 : epsLinf;
    }

    /** Checks every value on the driver, naming the first bad one. */
    SweepSettings validate() {
        DataSet.parse("--data", data);
        if (!Presets.NAMES.contains(model)) throw new BadSettingException("--model: expected a preset of " + Presets.NAMES + ", got '" + model + "'");
        positive("--epochs", epochs);
        positive("--batch", batch);
        positive("--pgd-steps", pgdSteps);
        positive("--attack-batch", attackBatch);
        positive("--task-threads", taskThreads);
        if (trainSubset < 0) throw new BadSettingException("--train-subset: expected a count >= 0 (0 = all), got " + trainSubset);
        if (testSubset < 0) throw new BadSettingException("--test-subset: expected a count >= 0 (0 = all), got " + testSubset);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new BadSettingException("--lr: expected a finite learning rate > 0, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new BadSettingException("--momentum: expected a number in [0, 1), got " + momentum);
        budgets("--eps-l2", epsL2);
        budgets("--eps-linf", epsLinf);
        if (out == null || out.isBlank()) throw new BadSettingException("--out: expected a directory for the sweep's runs and summary");
        return this;
    }

    private static void positive(String option, int v) {
        if (v < 1) throw new BadSettingException(option + ": expected a count >= 1, got " + v);
    }

    private static void budgets(String option, double[] eps) {
        if (eps == null || eps.length == 0) throw new BadSettingException(option + ": expected at least one budget ε > 0");
        for (double e : eps) if (!(e > 0) || Double.isInfinite(e)) throw new BadSettingException(option + ": expected budgets ε > 0, got " + e);
        double[] sorted = eps.clone();
        Arrays.sort(sorted);
        if (!Arrays.equals(sorted, eps)) throw new BadSettingException(option + ": expected budgets in increasing order, got " + Arrays.toString(eps));
    }
}
