package dev.lipreg.nn;

import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Tensor;

/** The built-in losses; each validates logits [N,K] against labels [N]. */
enum Losses implements Loss {
    CROSS_ENTROPY("cross-entropy") {
        @Override
        public Variable perExample(Variable logits, Tensor labels) {
            Variable oneHot = targets(logits, labels);
            return Ops.neg(Ops.sum(Ops.mul(oneHot, Ops.logSoftmax(logits, 1)), false, 1));
        }
    },
    NLL("nll") {
        @Override
        public Variable perExample(Variable logProbs, Tensor labels) {
            return Ops.neg(Ops.sum(Ops.mul(targets(logProbs, labels), logProbs), false, 1));
        }
    },
    TANH_SQUARED("tanh-squared") {
        @Override
        public Variable perExample(Variable logits, Tensor labels) {
            Variable t = Ops.affine(targets(logits, labels), 2, -1);
            Variable d = Ops.sub(Ops.tanh(logits), t);
            return Ops.scale(Ops.sum(Ops.square(d), false, 1), 0.5);
        }
    };

    private final String label;

    Losses(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }

    static Variable targets(Variable logits, Tensor labels) {
        if (logits.shape().rank() != 2) {
            throw new IllegalArgumentException("loss: logits must be [N, classes], got " + logits.shape());
        }
        if (labels.rank() != 1 || labels.dim(0) != logits.dim(0) || labels.dtype().isFloating()) {
            throw new IllegalArgumentException("loss: labels must be integer [" + logits.dim(0) + "], got " + labels.dtype() + labels.shape());
        }
        return Ops.oneHot(labels, logits.dim(1), logits);
    }
}
