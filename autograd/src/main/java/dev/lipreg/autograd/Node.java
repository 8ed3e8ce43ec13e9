package dev.lipreg.autograd;

/** A recorded op: its name (for errors), its inputs and its backward rule. */
record Node(String op, Variable[] inputs, BackwardRule rule) {
}
