package dev.lipreg.tribuo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The claim on real tabular data (UCI breast cancer, 427 training and
 * 142 test patients, Tribuo's [0,1] scaling): the paper's penalties lower the
 * input-gradient norms and the error under ℓ∞ and ℓ2 PGD, against Tribuo's
 * own logistic regression and an unpenalized LipReg MLP trained on the same
 * split, at a small cost in accuracy.
 */
class RobustnessComparisonTest {
    private static final Logger LOG = Logger.getLogger(RobustnessComparisonTest.class.getName());
    private static TabularRobustnessReport logistic, plain, penalized;

    @BeforeAll
    static void evaluate() {
        TabularRobustness.Settings settings = TabularRobustness.Settings.defaults(); // ℓ∞ 0.02, 0.05, 0.1; ℓ2 0.1, 0.25, 0.5
        LipRegModel pen = Models.penalized();
        // every model is attacked in the same space: the penalized model's
        logistic = TabularRobustness.evaluate(Models.logistic(), Models.SPLIT.test(), FeatureSpace.of(pen), settings);
        plain = TabularRobustness.evaluate(Models.plain(), Models.SPLIT.test(), settings);
        penalized = TabularRobustness.evaluate(pen, Models.SPLIT.test(), settings);
        LOG.info("\n" + TabularRobustnessReport.markdown(logistic, plain, penalized));
    }

    @Test
    void penaltyLowersInputGradientNorms() {
        for (TabularRobustnessReport base : new TabularRobustnessReport[]{logistic, plain}) {
            assertTrue(penalized.meanGradL2() < 0.8 * base.meanGradL2(), "mean ‖g‖₂ " + penalized.meanGradL2() + " vs " + base.meanGradL2());
            assertTrue(penalized.maxGradL2() < 0.5 * base.maxGradL2(), "max ‖g‖₂ " + penalized.maxGradL2() + " vs " + base.maxGradL2());
            assertTrue(penalized.meanGradL1() < 0.8 * base.meanGradL1(), "mean ‖g‖₁ " + penalized.meanGradL1() + " vs " + base.meanGradL1());
        }
    }

    @Test
    void penaltyLowersErrorUnderAttack() {
        for (TabularRobustnessReport base : new TabularRobustnessReport[]{logistic, plain}) {
            for (int j = 1; j < 3; j++) { // ε = 0.05, 0.1 (ℓ∞) and 0.25, 0.5 (ℓ2): at least 10 points lower
                assertTrue(penalized.linfErrors()[j] < base.linfErrors()[j] - 0.1,
                        "ℓ∞ ε=" + penalized.linfEpsilons()[j] + ": " + penalized.linfErrors()[j] + " vs " + base.linfErrors()[j]);
                assertTrue(penalized.l2Errors()[j] < base.l2Errors()[j] - 0.1,
                        "ℓ2 ε=" + penalized.l2Epsilons()[j] + ": " + penalized.l2Errors()[j] + " vs " + base.l2Errors()[j]);
            }
        }
    }

    @Test
    void atASmallCostInAccuracy() {
        assertTrue(penalized.tribuoAccuracy() >= logistic.tribuoAccuracy() - 0.03,
                "penalized " + penalized.tribuoAccuracy() + " vs logistic regression " + logistic.tribuoAccuracy());
        assertTrue(penalized.tribuoAccuracy() >= plain.tribuoAccuracy() - 0.03,
                "penalized " + penalized.tribuoAccuracy() + " vs unpenalized " + plain.tribuoAccuracy());
    }
}
