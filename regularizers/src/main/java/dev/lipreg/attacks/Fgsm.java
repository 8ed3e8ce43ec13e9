package dev.lipreg.attacks;

import dev.lipreg.tensor.Norm;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Tensor;

/**
 * The fast gradient sign method (Goodfellow et al.): one step of size ε along
 * sign(∇ₓ ℓ) for ℓ∞, or along ∇ₓ ℓ/‖∇ₓ ℓ‖₂ for ℓ2 (the fast gradient method),
 * clipped to [0,1]. Targeted: a step down the loss of the target class.
 *
 * @param norm    L2 or LINF
 * @param epsilon the budget
 */
public record Fgsm(Norm norm, double epsilon) implements FixedBudgetAttack {

    /** Checks every setting. */
    public Fgsm {
        Inputs.checkThreatNorm(norm);
        Inputs.checkEpsilon(epsilon, "epsilon");
    }

    /**
     * ℓ∞ FGSM.
     *
     * @param epsilon the budget
     * @return the attack
     */
    public static Fgsm linf(double epsilon) {
        return new Fgsm(Norm.LINF, epsilon);
    }

    /**
     * ℓ2 FGM: one step of size ε along the normalized gradient.
     *
     * @param epsilon the budget
     * @return the attack
     */
    public static Fgsm l2(double epsilon) {
        return new Fgsm(Norm.L2, epsilon);
    }

    @Override
    public String name() {
        return norm == Norm.LINF ? "fgsm" : "fgm-l2";
    }

    @Override
    public Fgsm withEpsilon(double epsilon) {
        return new Fgsm(norm, epsilon);
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons) {
        return attack(model, images, labels, epsilons, false);
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons) {
        return attack(model, images, targets, epsilons, true);
    }

    private AttackResult attack(Module model, Tensor x, Tensor labels, double[] eps, boolean targeted) {
        Inputs.checkModel(model, x);
        Inputs.checkEpsilons(eps, x.dim(0));
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), x, labels, targeted)) {
            Backend k = x.backend();
            Ball ball = new Ball(norm, x, PerImage.column(eps, x));
            Tensor g = InputGradients.ofLoss(model, x, labels, Loss.crossEntropy()).gradient();
            Tensor step = k.binary(BinaryOp.MUL, ball.eps(), ball.ascent(g));
            Tensor adv = ball.project(targeted ? k.binary(BinaryOp.SUB, x, step) : k.binary(BinaryOp.ADD, x, step));
            // already adversarial images are left as they are
            return f.finish(PerImage.select(PerImage.mask(f.initiallyAdversarial, x), x, adv));
        }
    }
}
