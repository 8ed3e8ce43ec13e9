package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;

/** [N, ...] → [N, rest]. */
public final class Flatten extends Module {
    /** The flattening layer; it has no parameters. */
    public Flatten() {
    }

    @Override
    public Variable forward(Variable x) {
        return Ops.flatten(x);
    }

    @Override
    public String describe() {
        return "Flatten()";
    }
}
