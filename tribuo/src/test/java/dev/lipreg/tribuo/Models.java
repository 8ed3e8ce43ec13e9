package dev.lipreg.tribuo;

import dev.lipreg.tensor.Norm;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LogisticRegressionTrainer;

/** The models several test classes share, trained once per JVM on the same breast-cancer split. */
final class Models {
    static final BreastCancer.Split SPLIT = BreastCancer.split(7, 0.75);
    private static LipRegModel plain, penalized;
    private static Model<Label> logistic;

    private Models() {
    }

    /** A 30-32-32-2 ReLU MLP, Adam 0.01, 20 epochs of batches of 64. */
    static LipRegTrainer.Builder base() {
        return LipRegTrainer.builder().hiddenSizes(32, 32).epochs(20).batchSize(64).adam(1e-2).seed(1);
    }

    static synchronized LipRegModel plain() {
        if (plain == null) plain = base().build().train(SPLIT.train());
        return plain;
    }

    /** The paper's penalties: Lipschitz λ = 0.03 (ℓ2) and TV ε = 0.01 (ℓ1, for ℓ∞ attacks). */
    static synchronized LipRegModel penalized() {
        if (penalized == null) penalized = base().lipschitz(0.03).totalVariation(0.01, Norm.LINF).build().train(SPLIT.train());
        return penalized;
    }

    /** Tribuo's own logistic regression (its defaults: AdaGrad, 5 epochs). */
    static synchronized Model<Label> logistic() {
        if (logistic == null) logistic = new LogisticRegressionTrainer().train(SPLIT.train());
        return logistic;
    }
}
