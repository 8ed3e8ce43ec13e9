package dev.lipreg.djl.engine;

import dev.lipreg.nn.ModelSpec;

/** What a served model takes and returns: images [N, C, H, W] to logits [N, classes]. */
record Signature(String name, int[] chw, int classes) {
    static Signature of(ModelSpec spec) {
        return new Signature(spec.name(), spec.input(), spec.classes());
    }
}
