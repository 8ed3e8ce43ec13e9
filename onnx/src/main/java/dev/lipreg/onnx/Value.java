package dev.lipreg.onnx;

import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Shape;

/**
 * What flows along one edge of an imported graph: a float tensor in the autograd
 * graph, or a small host-side tensor (integer shapes, axes, indices, or a float
 * constant) that shape computations work on without touching the backend.
 */
final class Value {
    private final Variable dense;
    private final HostTensor host;

    private Value(Variable dense, HostTensor host) {
        this.dense = dense;
        this.host = host;
    }

    static Value dense(Variable v) {
        return new Value(v, null);
    }

    static Value host(HostTensor t) {
        return new Value(null, t);
    }

    static Value ints(long[] values, int... dims) {
        return host(HostTensor.ofLongs(values, dims));
    }

    boolean isDense() {
        return dense != null;
    }

    HostTensor host() {
        return host;
    }

    int[] dims() {
        return dense != null ? dense.shape().dims() : host.dims();
    }

    /** The float tensor; a host constant becomes a constant of the backend. */
    Variable variable(Backend backend) {
        if (dense != null) return dense;
        float[] f = host.floats();
        if (f == null) {
            long[] l = host.longs();
            f = new float[l.length];
            for (int i = 0; i < l.length; i++) f[i] = l[i];
        }
        return Variable.constant(backend.fromArray(f, Shape.of(host.dims())));
    }
}
