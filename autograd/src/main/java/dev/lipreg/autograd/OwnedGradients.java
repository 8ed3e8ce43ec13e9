package dev.lipreg.autograd;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradients an unrecorded backward pass made itself (the seed, what the
 * rules returned, the sums of accumulation), counted by how many entries of the
 * pass's gradient map hold their memory — a rule may pass its gradient through,
 * or return a view of it, so several entries can share one block. A block no
 * entry holds any more is dead: nothing outside the pass has seen it (the pass
 * records nothing), so it goes back to the scope for the next rule's tensors.
 * Releases wait for {@link #flush()} so that a block is never reused while the
 * current node's gradients are still being looked up by address.
 */
final class OwnedGradients {
    private final Scope scope;
    private final Map<Long, Block> blocks = new HashMap<>();
    private final List<Tensor> dead = new ArrayList<>();

    private static final class Block {
        final Tensor owner;
        int holders;

        Block(Tensor owner) {
            this.owner = owner;
        }
    }

    OwnedGradients(Scope scope) {
        this.scope = scope;
    }

    /** Whether a tensor of this pass can be tracked here: host memory of this scope. */
    private boolean trackable(Tensor t) {
        return t.scope() == scope && t.device().isHost();
    }

    /** {@code t} was just made by this pass and nothing else refers to it. */
    void adopt(Tensor t) {
        if (trackable(t)) blocks.putIfAbsent(t.data().address(), new Block(t));
    }

    /** A gradient-map entry now refers to {@code t}. */
    void hold(Tensor t) {
        Block b = block(t);
        if (b != null) b.holders++;
    }

    /** A gradient-map entry no longer refers to {@code t}; its last one frees it. */
    void drop(Tensor t) {
        Block b = block(t);
        if (b != null && --b.holders == 0) bury(t, b);
    }

    /** {@code t} was produced but not kept by any entry (e.g. summed into another): free it unless held. */
    void discardIfUnheld(Tensor t) {
        Block b = block(t);
        if (b != null && b.holders == 0) bury(t, b);
    }

    private Block block(Tensor t) {
        return trackable(t) ? blocks.get(t.data().address()) : null;
    }

    private void bury(Tensor t, Block b) {
        blocks.remove(t.data().address());
        dead.add(b.owner);
    }

    /** Releases the blocks found dead since the last flush. */
    void flush() {
        for (Tensor t : dead) scope.release(t);
        dead.clear();
    }
}
