package dev.lipreg.regularizers;

import dev.lipreg.tensor.Norm;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.nn.Loss;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The training objective of docs/method.md §1:
 * J(w) = mean_i ℓ(x_i, y_i) + Σ penalties on the input gradients g_i,
 * evaluated exactly (double backprop) or by finite differences, optionally on
 * adversarial examples (adversarial training, alone or with penalties).
 */
public final class RobustObjective {
    private final Loss loss;
    private final List<GradientPenalty> penalties;
    private final PenaltyMode mode;
    private final GradientTarget target;
    private final Perturbation adversary;
    private final boolean evalModeGradients;

    /**
     * The objective ℓ + Σ penalties on the input gradients of {@code target}, computed by {@code mode}, on adversarial images when {@code adversary} is set.
     *
     * @param loss      the data loss ℓ
     * @param penalties the penalties (may be empty)
     * @param mode      exact (double backprop) or finite differences
     * @param target    the quantity whose input gradient is penalized: the loss or the margin
     * @param adversary the perturbation of the training batch, or null for none
     */
    public RobustObjective(Loss loss, List<GradientPenalty> penalties, PenaltyMode mode, GradientTarget target, Perturbation adversary) {
        this(loss, penalties, mode, target, adversary, false);
    }

    private RobustObjective(Loss loss, List<GradientPenalty> penalties, PenaltyMode mode, GradientTarget target, Perturbation adversary,
                            boolean evalModeGradients) {
        this.loss = Objects.requireNonNull(loss, "loss");
        this.penalties = List.copyOf(penalties);
        this.mode = Objects.requireNonNull(mode, "mode");
        this.target = Objects.requireNonNull(target, "target");
        this.adversary = adversary;
        this.evalModeGradients = evalModeGradients;
    }

    /**
     * Plain empirical risk: mean ℓ, no penalty.
     *
     * @param loss the data loss
     * @return the objective
     */
    public static RobustObjective plain(Loss loss) {
        return new RobustObjective(loss, List.of(), PenaltyMode.exact(), GradientTarget.LOSS, null);
    }

    /**
     * The paper's CIFAR setting: CE + λ·max‖g‖₂ + ε·mean‖g‖_* (dual of attackNorm), exact.
     *
     * @param lambda     the Lipschitz penalty's weight
     * @param epsilon    the total-variation penalty's weight
     * @param attackNorm the attack's norm (L2 or LINF)
     * @return the objective
     */
    public static RobustObjective paper(double lambda, double epsilon, Norm attackNorm) {
        return new RobustObjective(Loss.crossEntropy(),
                List.of(GradientPenalty.lipschitz(lambda), GradientPenalty.totalVariation(epsilon, attackNorm)),
                PenaltyMode.exact(), GradientTarget.LOSS, null);
    }

    /**
     * The same objective with its penalties computed by {@code m}.
     *
     * @param m exact or finite differences
     * @return the new objective
     */
    public RobustObjective withMode(PenaltyMode m) {
        return new RobustObjective(loss, penalties, m, target, adversary, evalModeGradients);
    }

    /**
     * The same objective on batches perturbed by {@code p} (adversarial training).
     *
     * @param p the perturbation, or null for none
     * @return the new objective
     */
    public RobustObjective withAdversary(Perturbation p) {
        return new RobustObjective(loss, penalties, mode, target, p, evalModeGradients);
    }

    /**
     * With {@code on}, a model in training mode has its penalized input gradients
     * taken in evaluation mode (batch norm with its running statistics), so each
     * g_i depends on example i alone (through running statistics that this
     * batch's training-mode pass has just updated); the data loss and that update
     * come from one training-mode pass before it (one extra forward per step). Off
     * (the default), g_i = ∂(Σ_j ℓ_j)/∂x_i through the batch statistics, which
     * couples the examples of a batch (docs/evaluation.md, "Batch norm").
     *
     * @param on whether to
     * @return the new objective
     */
    public RobustObjective withEvalModeGradients(boolean on) {
        return new RobustObjective(loss, penalties, mode, target, adversary, on);
    }

    /** {@return whether penalized input gradients are taken in evaluation mode} */
    public boolean evalModeGradients() {
        return evalModeGradients;
    }

    /** {@return the data loss} */
    public Loss loss() {
        return loss;
    }

    /** {@return the penalties} */
    public List<GradientPenalty> penalties() {
        return penalties;
    }

    /** {@return how the penalties are computed} */
    public PenaltyMode mode() {
        return mode;
    }

    /** {@return the quantity whose input gradient is penalized} */
    public GradientTarget target() {
        return target;
    }

    /** {@return the perturbation of the training batch, or null} */
    public Perturbation adversary() {
        return adversary;
    }

    /**
     * Evaluates J on one batch; call {@code total().backward()} for the weight gradients.
     *
     * @param model  the model
     * @param x      the batch
     * @param labels its labels
     * @return the objective's parts
     */
    public StepValues evaluate(Module model, Tensor x, Tensor labels) {
        Tensor input = adversary == null ? x : adversary.apply(model, loss, x, labels);
        Norm dualNorm = penalties.stream().map(GradientPenalty::norm).filter(n -> n != Norm.L2).findFirst().orElse(Norm.L1);
        if (penalties.isEmpty()) {
            // plain risk: the input is a leaf, so the one backward pass also yields ∇ₓℓ for the statistics
            Variable in = Variable.leaf(input);
            Variable logits = model.forward(in);
            Variable perExample = loss.perExample(logits, labels);
            Variable dataLoss = Ops.mean(perExample);
            return new StepValues(dataLoss, dataLoss.item(), Map.of(), correct(logits.value(), labels), x.dim(0),
                    dualNorm, in, perExample, null);
        }
        boolean exact = mode instanceof PenaltyMode.Exact;
        boolean separate = evalModeGradients && model.isTraining();
        // the data loss: from the gradient pass, or from one training-mode pass (which updates the running statistics) before it;
        // not after: an evaluation-mode graph reads the running statistics again in its backward pass
        Variable trainLogits = separate ? model.forward(Variable.constant(input)) : null;
        Map<String, Double> values = new LinkedHashMap<>();
        List<Variable> terms = new ArrayList<>();
        InputGradient ig;
        if (separate) model.train(false);
        try {
            ig = InputGradient.compute(model, loss, input, labels, target, exact);
            Map<Norm, Variable> norms = new EnumMap<>(Norm.class);
            for (GradientPenalty p : penalties) {
                Variable n = norms.computeIfAbsent(p.norm(), norm -> normsFor(norm, model, ig, input, labels));
                Variable value = p.apply(n);
                values.merge(p.label(), value.item(), Double::sum);
                terms.add(value);
            }
        } finally {
            if (separate) model.train(true);
        }
        Variable logits = separate ? trainLogits : ig.logits();
        Variable dataLoss = Ops.mean(separate ? loss.perExample(trainLogits, labels) : ig.lossPerExample());
        Variable total = dataLoss;
        for (Variable t : terms) total = Ops.add(total, t);
        return new StepValues(total, dataLoss.item(), values, correct(logits.value(), labels), x.dim(0),
                dualNorm, ig.input(), ig.target(), ig.grad().value());
    }

    /** Per-example gradient norms as a function of the weights: exact, or the finite-difference estimate. */
    private Variable normsFor(Norm norm, Module model, InputGradient ig, Tensor input, Tensor labels) {
        if (mode instanceof PenaltyMode.FiniteDifference(double h)) {
            FiniteDifferenceNorm fd = FiniteDifferenceNorm.of(norm, ig.grad().value());
            // a second training-mode pass must not update batch norm's running statistics again
            Variable logits = FrozenBuffers.during(model, () -> model.forward(Variable.constant(fd.shifted(input, h))));
            Variable shifted = target == GradientTarget.LOSS ? loss.perExample(logits, labels) : InputGradient.margin(logits, labels);
            return fd.estimate(shifted, ig.target(), h);
        }
        return Norms.perExample(norm, ig.grad());
    }

    static int correct(Tensor logits, Tensor labels) {
        long[] predicted = logits.backend().argmax(logits, 1).toLongArray();
        long[] y = labels.toLongArray();
        int c = 0;
        for (int i = 0; i < y.length; i++) if (predicted[i] == y[i]) c++;
        return c;
    }

    /**
     * A readable description, e.g. "cross-entropy + lip(l2)·0.1 + tv(l1)·0.01 [exact]".
     *
     * @return the description
     */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(loss.label());
        for (GradientPenalty p : penalties) parts.add(p.label() + "·" + p.weight());
        String m = mode instanceof PenaltyMode.FiniteDifference(double h) ? "finite difference h=" + h : "exact";
        return String.join(" + ", parts) + (penalties.isEmpty() ? "" : " [" + m + (target == GradientTarget.MARGIN ? ", margin" : "") + "]")
                + (adversary != null ? " on adversarial examples" : "") + (evalModeGradients ? ", gradients in eval mode" : "");
    }
}
