package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Tensor;

import java.util.Locale;

/** A classification loss ℓ(f(x), y), computed per example. */
public interface Loss {

    /**
     * ℓ for each example: logits [N,K], integer labels [N] → [N].
     *
     * @param logits the logits
     * @param labels the labels
     * @return the loss per example
     */
    Variable perExample(Variable logits, Tensor labels);

    /**
     * A short name, e.g. "cross-entropy".
     *
     * @return the name
     */
    String label();

    /**
     * The batch mean of ℓ.
     *
     * @param logits the logits
     * @param labels the labels
     * @return the mean loss, a scalar
     */
    default Variable mean(Variable logits, Tensor labels) {
        return Ops.mean(perExample(logits, labels));
    }

    /**
     * −log softmax(z)_y.
     *
     * @return the loss
     */
    static Loss crossEntropy() {
        return Losses.CROSS_ENTROPY;
    }

    /**
     * −z_y, for models whose output is already log-probabilities.
     *
     * @return the loss
     */
    static Loss nll() {
        return Losses.NLL;
    }

    /**
     * The paper's tanh-squashed output loss: ½‖tanh(z) − t‖² with targets
     * t = +1 for the true class and −1 otherwise; bounded and Lipschitz in z.
     *
     * @return the loss
     */
    static Loss tanhSquared() {
        return Losses.TANH_SQUARED;
    }

    /**
     * The loss named {@code name}: cross-entropy (ce), nll or tanh-squared.
     *
     * @param name the name
     * @return the loss
     */
    static Loss byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "ce", "cross-entropy", "crossentropy" -> crossEntropy();
            case "nll" -> nll();
            case "tanh", "tanh-squared" -> tanhSquared();
            default -> throw new IllegalArgumentException("unknown loss '" + name + "', expected cross-entropy, nll or tanh-squared");
        };
    }
}
