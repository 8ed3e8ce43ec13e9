package dev.lipreg.onnx;

/**
 * One converted node: maps its input values (null for an omitted optional input)
 * to its output values, using autograd ops for float tensors.
 */
@FunctionalInterface
interface Kernel {
    Value[] apply(Value[] inputs, RunContext ctx);

    /** What a kernel may ask of the model running it. */
    interface RunContext {
        dev.lipreg.tensor.Backend backend();

        boolean training();
    }
}
