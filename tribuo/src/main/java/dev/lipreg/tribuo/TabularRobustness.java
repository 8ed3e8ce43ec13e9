package dev.lipreg.tribuo;

import dev.lipreg.attacks.PerImage;
import dev.lipreg.attacks.Pgd;
import dev.lipreg.eval.ErrorCurve;
import dev.lipreg.eval.GradientNorms;
import dev.lipreg.eval.Robustness;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.transform.TransformedModel;

import java.util.Arrays;

/**
 * Robustness of a Tribuo classifier on tabular data, beside Tribuo's own
 * accuracy: the error under ℓ∞ and ℓ2 PGD at each budget and the norms of the
 * loss's input gradients, all measured in a {@link FeatureSpace} (features
 * scaled to [0,1] by the training range, so ε = 0.05 moves features by 5% of
 * their range). Works for {@link LipRegModel} and Tribuo's linear SGD models,
 * also inside Tribuo's {@code TransformedModel}.
 */
public final class TabularRobustness {
    private TabularRobustness() {
    }

    /**
     * What to measure.
     *
     * @param linfEpsilons ℓ∞ budgets (may be empty)
     * @param l2Epsilons   ℓ2 budgets (may be empty)
     * @param pgdSteps     PGD steps per restart (step 2.5·ε/steps, random start)
     * @param restarts     PGD restarts
     * @param seed         seed of the random starts
     * @param batchSize    examples per batch
     */
    public record Settings(double[] linfEpsilons, double[] l2Epsilons, int pgdSteps, int restarts, long seed, int batchSize) {
        /** Checks every setting; one-line messages name the bad one. */
        public Settings {
            linfEpsilons = checked(linfEpsilons, "linfEpsilons");
            l2Epsilons = checked(l2Epsilons, "l2Epsilons");
            if (pgdSteps < 1) throw new IllegalArgumentException("pgdSteps must be >= 1, got " + pgdSteps);
            if (restarts < 1) throw new IllegalArgumentException("restarts must be >= 1, got " + restarts);
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }

        /**
         * ℓ∞ ε ∈ {0.02, 0.05, 0.1}, ℓ2 ε ∈ {0.1, 0.25, 0.5}, PGD-20, one restart, seed 0, batches of 256.
         *
         * @return the default settings
         */
        public static Settings defaults() {
            return new Settings(new double[]{0.02, 0.05, 0.1}, new double[]{0.1, 0.25, 0.5}, 20, 1, 0, 256);
        }

        private static double[] checked(double[] eps, String name) {
            if (eps == null) throw new IllegalArgumentException(name + " must not be null (use an empty array)");
            for (double e : eps) {
                if (!(e >= 0) || Double.isInfinite(e)) throw new IllegalArgumentException(name + " must be finite budgets >= 0, got " + e);
            }
            return eps.clone();
        }

        /** {@return the ℓ∞ budgets (a copy)} */
        @Override
        public double[] linfEpsilons() {
            return linfEpsilons.clone();
        }

        /** {@return the ℓ2 budgets (a copy)} */
        @Override
        public double[] l2Epsilons() {
            return l2Epsilons.clone();
        }
    }

    /**
     * A {@link LipRegModel} in its own feature space, or one that Tribuo's
     * {@code TransformTrainer} wraps: then the data pass through the model's
     * Tribuo transformations (e.g. feature scaling) first, and the attacks act
     * on the transformed features.
     *
     * @param model    the model to attack
     * @param data     the test examples
     * @param settings the budgets and attack settings
     * @return the report
     */
    public static TabularRobustnessReport evaluate(Model<Label> model, Dataset<Label> data, Settings settings) {
        Model<Label> inner = model instanceof TransformedModel<Label> t ? t.getInnerModel() : model;
        if (!(inner instanceof LipRegModel m)) {
            throw new IllegalArgumentException("only a LipRegModel has a feature space of its own; pass a FeatureSpace to attack a "
                    + inner.getClass().getName());
        }
        return evaluate(model, data, FeatureSpace.of(m), settings);
    }

    /**
     * Any supported model attacked in {@code space} (for a LipRegModel, its own):
     * a {@link LipRegModel}, one of Tribuo's linear SGD models, or either wrapped
     * by Tribuo's {@code TransformTrainer} (attacked after its transformations).
     * The reported accuracy is Tribuo's, of {@code model} on {@code data} as given.
     *
     * @param model    the model to attack
     * @param data     the test examples
     * @param space    the feature space the attacks work in
     * @param settings the budgets and attack settings
     * @return the report
     */
    public static TabularRobustnessReport evaluate(Model<Label> model, Dataset<Label> data, FeatureSpace space, Settings settings) {
        if (model == null) throw new IllegalArgumentException("model must not be null");
        if (data == null || data.size() == 0) throw new IllegalArgumentException("the evaluation dataset must hold at least one example");
        if (settings == null) throw new IllegalArgumentException("settings must not be null");
        double accuracy = new LabelEvaluator().evaluate(model, data).accuracy();
        Model<Label> inner = model;
        Dataset<Label> attacked = data;
        if (model instanceof TransformedModel<Label> t) {
            inner = t.getInnerModel();
            attacked = t.getTransformerMap().transformDataset(data, t.getDensify());
        }
        NetworkState network = TabularNetworks.of(inner, space);

        int n = attacked.size(), f = space.size();
        float[] x = new float[n * f];
        int[] y = new int[n];
        int i = 0;
        for (Example<Label> ex : attacked) {
            System.arraycopy(space.apply(ex), 0, x, i * f, f);
            y[i] = inner.getOutputIDInfo().getID(ex.getOutput());
            if (y[i] < 0) throw new IllegalArgumentException("example " + i + " has label '" + ex.getOutput().getLabel() + "', unknown to the model");
            i++;
        }
        Backend backend = inner instanceof LipRegModel m ? m.backend() : Backends.auto();
        try (Scope s = Scope.open()) {
            Module net = network.build(backend);
            Tensor images = Tensor.of(backend, x, n, 1, 1, f);
            Tensor labels = Tensor.ofLabels(backend, y);
            int[] predicted = PerImage.argmax(net.forward(Variable.constant(images)).value());
            int wrong = 0;
            for (int j = 0; j < n; j++) if (predicted[j] != y[j]) wrong++;
            ErrorCurve linf = curve(net, images, labels, Pgd.linf(1, settings.pgdSteps()), settings.linfEpsilons(), settings);
            ErrorCurve l2 = curve(net, images, labels, Pgd.l2(1, settings.pgdSteps()), settings.l2Epsilons(), settings);
            GradientNorms.Report g = GradientNorms.of(net, images, labels, Loss.crossEntropy(), settings.batchSize(), null);
            return new TabularRobustnessReport(model.getName(), n, accuracy, (double) wrong / n,
                    settings.linfEpsilons(), linf.errors(), settings.l2Epsilons(), l2.errors(),
                    g.meanL2(), g.maxL2(), g.meanL1(), g.maxL1());
        }
    }

    private static ErrorCurve curve(Module net, Tensor images, Tensor labels, Pgd pgd, double[] eps, Settings s) {
        if (eps.length == 0) return new ErrorCurve(pgd.name(), pgd.norm(), eps, new double[0], 0);
        Pgd attack = pgd.withRestarts(s.restarts()).withSeed(s.seed());
        return Robustness.errorCurve(net, images, labels, attack, Arrays.copyOf(eps, eps.length), s.batchSize(), null);
    }
}
