package dev.lipreg.autograd;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The memory of one backward pass over host tensors, freed as soon as the pass
 * knows a block is dead. A block the pass allocated (a rule's result or
 * temporary, an accumulated sum) is dead when no entry of the pass's gradient
 * map holds it (a rule consumes each entry once; entries can share a block when
 * a rule passes its gradient through or returns a view of it) and no rule the
 * pass recorded will read it ({@link Op#readsInput}, {@link Op#readsOutput}:
 * the operands of a sum or a difference are dead once it is recorded). Nothing
 * else can reach such a block: the caller of {@code Autograd.grad} sees only its
 * results, and the rules the pass runs later read only gradient-map entries and
 * values the forward graph already held. A pass that records nothing reads
 * nothing, so there every temporary dies with the rule that made it and every
 * intermediate gradient with the rule that consumes it.
 *
 * <p>Blocks made before the pass (the forward graph, parameters, gradients the
 * caller passed in) are never released. Released variables fail loudly if read
 * after all ({@link Scope#release}).
 */
final class PassMemory {
    private final Scope scope;
    private final Set<Long> made = new HashSet<>();
    private final Set<Long> read = new HashSet<>();
    private final Map<Long, Integer> held = new HashMap<>();
    private final Map<Long, Set<Tensor>> known = new HashMap<>();
    private final List<Long> dropped = new ArrayList<>();
    private Scope.Tracker current;

    PassMemory(Scope scope) {
        this.scope = scope;
    }

    /** Starts one step of the pass (the seeds, or one rule and the accumulation of its results). */
    void begin() {
        current = scope.track();
    }

    /** A gradient-map entry now holds {@code g}. */
    void hold(Variable g) {
        Long b = block(g.value());
        if (b == null) return;
        held.merge(b, 1, Integer::sum);
        remember(b, g.value());
    }

    /** A gradient-map entry no longer holds {@code g}. */
    void drop(Variable g) {
        Long b = block(g.value());
        if (b == null) return;
        Integer left = held.merge(b, -1, Integer::sum);
        if (left != null && left <= 0) {
            held.remove(b);
            dropped.add(b);
        }
    }

    /**
     * Ends the step: notes what the nodes it recorded (reachable from
     * {@code produced}, the gradients it handed to the map) will read, then
     * releases the blocks of this step and those dropped by it that are dead.
     */
    void end(List<Variable> produced) {
        Scope.Tracker step = current;
        current = null;
        Set<Long> fresh = step.addresses();
        made.addAll(fresh);
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Variable> todo = new ArrayDeque<>();
        for (Variable p : produced) if (p != null && seen.add(p)) todo.push(p);
        while (!todo.isEmpty()) {
            Variable v = todo.pop();
            Long b = block(v.value());
            if (b == null || !fresh.contains(b)) continue; // made by an earlier step: already noted
            remember(b, v.value());
            Node node = v.node();
            if (node == null) continue;
            if (node.op().readsOutput()) read.add(b);
            Variable[] ins = node.inputs();
            for (int j = 0; j < ins.length; j++) {
                if (node.op().readsInput(j)) {
                    Long r = block(ins[j].value());
                    if (r != null) read.add(r);
                }
                if (seen.add(ins[j])) todo.push(ins[j]);
            }
        }
        Set<Long> dead = new HashSet<>();
        for (Long b : fresh) if (isDead(b)) dead.add(b);
        for (Long b : dropped) if (isDead(b)) dead.add(b);
        dropped.clear();
        for (Long b : dead) {
            Set<Tensor> ts = known.remove(b);
            if (ts != null) scope.release(ts); // marks the variables' tensors: a wrong Op.reads fails loudly
        }
        step.releaseWhere(dead::contains); // temporaries no variable holds
    }

    /** Stops tracking after a failure; releases nothing. */
    void abort() {
        if (current != null) current.close();
        current = null;
    }

    private boolean isDead(Long b) {
        return made.contains(b) && !read.contains(b) && !held.containsKey(b);
    }

    private void remember(Long b, Tensor t) {
        known.computeIfAbsent(b, k -> Collections.newSetFromMap(new IdentityHashMap<>())).add(t);
    }

    /** The block of a live host tensor of this scope, else null. */
    private Long block(Tensor t) {
        if (t.scope() != scope || !t.device().isHost() || !t.isAlive()) return null;
        return t.storage().address();
    }
}
