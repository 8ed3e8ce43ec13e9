package dev.lipreg.autograd;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation over the recorded graph. With
 * {@code createGraph = true} the backward pass is recorded like any other
 * computation, so its results can be differentiated again (double backprop,
 * PyTorch's {@code create_graph=True}).
 */
public final class Autograd {
    private Autograd() {
    }

    /**
     * Gradients of Σ_k ⟨gradOutputs_k, outputs_k⟩ with respect to each input.
     * A null {@code gradOutputs} (or entry) means ones, for scalar outputs.
     * Inputs the outputs do not depend on get a zero gradient.
     *
     * @param outputs     the outputs
     * @param inputs      the variables to differentiate with respect to
     * @param gradOutputs the cotangent of each output, or null for ones
     * @param createGraph whether to record the backward pass (for higher derivatives)
     * @return one gradient per input
     */
    public static List<Variable> grad(List<Variable> outputs, List<Variable> inputs, List<Variable> gradOutputs, boolean createGraph) {
        if (outputs.isEmpty()) throw new IllegalArgumentException("grad: no outputs given");
        if (gradOutputs != null && gradOutputs.size() != outputs.size()) {
            throw new IllegalArgumentException("grad: " + gradOutputs.size() + " gradOutputs for " + outputs.size() + " outputs");
        }
        for (Variable out : outputs) {
            if (!out.requiresGrad()) {
                // PyTorch refuses this too: silently returning zeros would hide a graph that was never recorded
                throw new IllegalArgumentException("grad: output " + out + " does not depend on anything that requires grad "
                        + "(computed under GradMode.disabled(), or a gradient taken with createGraph=false?)");
            }
        }
        for (Variable in : inputs) {
            if (!in.requiresGrad()) {
                throw new IllegalArgumentException("grad: input " + in + " does not require grad; make it with Variable.leaf");
            }
        }
        Set<Variable> wanted = identitySet(inputs);
        List<Variable> order = topologicalOrder(outputs);
        Set<Variable> relevant = relevant(order, wanted);

        Map<Variable, Variable> grads = new IdentityHashMap<>();
        PassMemory mem = Scope.isActive() && outputs.getFirst().value().device().isHost() ? new PassMemory(Scope.current()) : null;
        boolean ownScopes = !createGraph && mem == null && Scope.isActive();
        try (GradMode.Restore ignored = GradMode.set(createGraph)) {
            if (mem != null) mem.begin();
            List<Variable> seeds = new ArrayList<>();
            for (int k = 0; k < outputs.size(); k++) {
                Variable out = outputs.get(k);
                Variable seed = gradOutputs == null ? null : gradOutputs.get(k);
                if (seed == null) {
                    if (out.shape().size() != 1) {
                        throw new IllegalArgumentException("grad: output " + out.shape() + " is not a scalar; pass gradOutputs");
                    }
                    seed = Variable.constant(out.backend().full(out.shape(), out.dtype(), 1));
                } else if (!seed.shape().equals(out.shape())) {
                    throw new IllegalArgumentException("grad: gradOutput " + seed.shape() + " does not match output " + out.shape());
                }
                seeds.add(accumulate(grads, out, seed, mem));
            }
            if (mem != null) mem.end(seeds);
            for (int i = order.size() - 1; i >= 0; i--) {
                Variable v = order.get(i);
                Node node = v.node();
                Variable g = grads.get(v);
                if (node == null || g == null || !relevant.contains(v)) continue;
                Variable[] ins = node.inputs();
                boolean[] needed = new boolean[ins.length];
                for (int j = 0; j < ins.length; j++) needed[j] = ins[j].requiresGrad() && relevant.contains(ins[j]);
                if (mem != null) mem.begin();
                Variable[] gin = ownScopes ? applyInOwnScope(node, v, g, needed) : node.rule().apply(v, g, needed);
                List<Variable> produced = new ArrayList<>(ins.length);
                for (int j = 0; j < ins.length; j++) {
                    if (needed[j] && gin[j] != null) {
                        if (!gin[j].shape().equals(ins[j].shape())) {
                            throw new IllegalStateException("backward of " + node.name() + " gave gradient " + gin[j].shape()
                                    + " for input " + ins[j].shape());
                        }
                        produced.add(accumulate(grads, ins[j], gin[j], mem));
                    }
                }
                if (!wanted.contains(v)) { // free the map entry early; the graph holds what it needs
                    grads.remove(v);
                    if (mem != null) mem.drop(g);
                }
                if (mem != null) mem.end(produced);
            }
        } finally {
            if (mem != null) mem.abort();
        }
        List<Variable> result = new ArrayList<>(inputs.size());
        for (Variable in : inputs) {
            Variable g = grads.get(in);
            result.add(g != null ? g : Variable.constant(in.backend().full(in.shape(), in.dtype(), 0)));
        }
        return result;
    }

    /**
     * A rule run while nothing is recorded, on a device whose memory a {@link Scope}
     * does not hand out block by block: its temporaries (masks, products, relayouts)
     * are dead once it returns, so it runs in a scope of its own whose memory goes
     * back to the pool at once, and only the gradients it returns are copied out
     * into the caller's scope. On the host, {@link PassMemory} frees them instead.
     */
    private static Variable[] applyInOwnScope(Node node, Variable v, Variable g, boolean[] needed) {
        Scope outer = Scope.current();
        try (Scope rule = Scope.open(outer.pool())) {
            Variable[] gin = node.rule().apply(v, g, needed);
            for (int j = 0; j < gin.length; j++) {
                if (gin[j] == null || gin[j].value().scope() != rule) continue; // e.g. g passed through: already outside
                Tensor t = gin[j].value();
                gin[j] = Variable.constant(outer.run(() -> t.backend().copy(t)));
            }
            return gin;
        }
    }

    /**
     * Gradient of a scalar with respect to one input.
     *
     * @param output      a scalar
     * @param input       the variable to differentiate with respect to
     * @param createGraph whether to record the backward pass
     * @return the gradient
     */
    public static Variable grad(Variable output, Variable input, boolean createGraph) {
        return grad(List.of(output), List.of(input), null, createGraph).getFirst();
    }

    /**
     * Accumulates d(output)/d(leaf) into every leaf that requires grad (without recording).
     *
     * @param output a scalar
     */
    public static void backward(Variable output) {
        List<Variable> order = topologicalOrder(List.of(output));
        List<Variable> leaves = new ArrayList<>();
        for (Variable v : order) if (v.isLeaf() && v.requiresGrad()) leaves.add(v);
        if (leaves.isEmpty()) throw new IllegalArgumentException("backward: " + output + " does not depend on any variable that requires grad");
        List<Variable> g = grad(List.of(output), leaves, null, false);
        for (int i = 0; i < leaves.size(); i++) leaves.get(i).accumulateGrad(g.get(i).value());
    }

    /** Adds g into v's entry; returns the entry's new value. */
    private static Variable accumulate(Map<Variable, Variable> grads, Variable v, Variable g, PassMemory mem) {
        Variable prev = grads.get(v);
        Variable sum = prev == null ? g : Ops.add(prev, g);
        grads.put(v, sum);
        if (mem != null) {
            mem.hold(sum);
            if (prev != null) mem.drop(prev);
        }
        return sum;
    }

    /** Variables reachable from the outputs, inputs before the ops that consume them. */
    static List<Variable> topologicalOrder(List<Variable> outputs) {
        List<Variable> order = new ArrayList<>();
        Set<Variable> visited = identitySet(List.of());
        Deque<Object[]> stack = new ArrayDeque<>(); // {variable, next input index}
        for (Variable out : outputs) {
            if (!out.requiresGrad() || !visited.add(out)) continue;
            stack.push(new Object[]{out, 0});
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                Variable v = (Variable) top[0];
                int next = (Integer) top[1];
                Variable[] ins = v.node() == null ? new Variable[0] : v.node().inputs();
                if (next < ins.length) {
                    top[1] = next + 1;
                    Variable in = ins[next];
                    if (in.requiresGrad() && visited.add(in)) stack.push(new Object[]{in, 0});
                } else {
                    stack.pop();
                    order.add(v);
                }
            }
        }
        return order;
    }

    /** The variables on some path to a wanted input; only their rules need to run. */
    private static Set<Variable> relevant(List<Variable> order, Set<Variable> wanted) {
        Set<Variable> rel = identitySet(List.of());
        for (Variable v : order) { // inputs come first, so one pass suffices
            if (wanted.contains(v)) {
                rel.add(v);
                continue;
            }
            if (v.node() != null) {
                for (Variable in : v.node().inputs()) {
                    if (rel.contains(in)) {
                        rel.add(v);
                        break;
                    }
                }
            }
        }
        return rel;
    }

    private static Set<Variable> identitySet(List<Variable> init) {
        Set<Variable> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(init);
        return s;
    }
}
