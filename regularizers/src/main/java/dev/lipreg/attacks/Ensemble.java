package dev.lipreg.attacks;

import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Norm;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The worst case per image over several fixed-budget attacks in one norm, in
 * the spirit of AutoAttack: the attacks run in order, each on every image (so
 * per-attack numbers stay available), and an image is broken when any of them
 * breaks it; the first adversarial found is returned. The ensemble's error at
 * ε is therefore ≥ that of each member.
 *
 * @param norm    L2 or LINF
 * @param epsilon the budget
 * @param members the attacks, all in {@code norm}
 */
public record Ensemble(Norm norm, double epsilon, List<FixedBudgetAttack> members) implements FixedBudgetAttack {

    /** Checks that there is a member and that every member uses {@code norm}. */
    public Ensemble {
        if (members == null || members.isEmpty()) throw new IllegalArgumentException("an ensemble needs at least one attack");
        for (FixedBudgetAttack a : members) {
            if (a.norm() != norm) throw new IllegalArgumentException("ensemble attacks must all use " + norm.label() + ", got " + a.name());
        }
        members = List.copyOf(members);
    }

    /**
     * The standard ensemble: APGD-CE, APGD-DLR targeted at the 3 runner-up
     * classes, Square (score-based) with {@code squareQueries} queries.
     *
     * @param norm          L2 or LINF
     * @param epsilon       the budget
     * @param apgdSteps     the iterations of each APGD
     * @param squareQueries the queries of Square
     * @param seed          the seed of the random starts
     * @return the ensemble
     */
    public static Ensemble standard(Norm norm, double epsilon, int apgdSteps, int squareQueries, long seed) {
        return new Ensemble(norm, epsilon, List.of(new Apgd(norm, epsilon, apgdSteps, 1, seed), new ApgdTargeted(norm, epsilon, apgdSteps, 3, seed),
                Square.of(norm, epsilon, squareQueries, seed)));
    }

    @Override
    public String name() {
        return "ensemble-" + norm.label();
    }

    /** {@return the members' names, for reports} */
    public String describe() {
        return String.join(" + ", members.stream().map(Attack::name).toList());
    }

    @Override
    public Ensemble withEpsilon(double epsilon) {
        List<FixedBudgetAttack> m = new ArrayList<>();
        for (FixedBudgetAttack a : members) m.add(a.withEpsilon(epsilon));
        return new Ensemble(norm, epsilon, m);
    }

    @Override
    public boolean supportsTargeted() {
        return false;
    }

    @Override
    public AttackResult run(Module model, Tensor images, Tensor labels, double[] epsilons) {
        Inputs.checkModel(model, images);
        Inputs.checkEpsilons(epsilons, images.dim(0));
        try (AttackFrame f = AttackFrame.open(name(), new ModelOracle(model), images, labels, false)) {
            boolean[] found = f.initiallyAdversarial.clone();
            Tensor best = images.backend().copy(images);
            for (FixedBudgetAttack a : members) {
                if (AttackFrame.all(found)) break;
                AttackResult r = a.run(model, images, labels, epsilons);
                f.keepNewlyFound(r.predictions(), found, r.adversarial(), best); // members attack the same labels
            }
            return f.finish(best);
        }
    }

    @Override
    public AttackResult runTargeted(Module model, Tensor images, Tensor targets, double[] epsilons) {
        throw new UnsupportedOperationException(name() + " is untargeted");
    }
}
