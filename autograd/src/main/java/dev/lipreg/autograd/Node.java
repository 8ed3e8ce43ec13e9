package dev.lipreg.autograd;

/** A recorded op: its kind, its name for messages (a custom op's own name), its inputs and its backward rule. */
record Node(Op op, String name, Variable[] inputs, BackwardRule rule) {
}
